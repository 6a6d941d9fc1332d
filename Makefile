GO ?= go
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: test test-short vet lint staticcheck bench demo fuzz

# test is the README's test command: vet, staticcheck and the race-enabled suite.
test: vet staticcheck
	$(GO) test -race -count=1 ./...

test-short:
	$(GO) test -short -count=1 ./...

vet:
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./bench/...

demo:
	$(GO) run ./examples/ticketbounty --exit-after-demo
