GO ?= go
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

NPM ?= npm
INTEROP_JS := interop/js

.PHONY: test test-short vet lint staticcheck bench demo fuzz interop-deps check-files proto

# test is the README's test command: vet, staticcheck and the race-enabled suite
# (which includes the JavaScript SDK interoperability suite in interop/), then the
# multi-megabyte tests that leave the race detector out (raceEnabled) once without it.
test: check-files vet staticcheck interop-deps
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^(TestMocksWithLargeState|TestE2EFallbackWithinResponseLimit)$$' ./inngesttest/

# interop-deps installs the pinned official JavaScript SDK for interop/ when
# node_modules is missing or was installed from a different lock file (compared
# by content, so a checkout that only touches the file does not reinstall).
interop-deps:
	@cmp -s $(INTEROP_JS)/package-lock.json $(INTEROP_JS)/node_modules/.installed-lock.json || { \
		$(NPM) ci --prefix $(INTEROP_JS) --no-audit --no-fund --ignore-scripts && \
		cp $(INTEROP_JS)/package-lock.json $(INTEROP_JS)/node_modules/.installed-lock.json; }

test-short: interop-deps
	$(GO) test -short -count=1 ./...

# check-files fails when a build output (an executable binary, or a file over 1 MiB
# outside testdata/) is tracked.
check-files:
	bash .ci/check-files

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo 'gofmt would change:'; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./bench/...

demo:
	$(GO) run ./examples/ticketbounty --exit-after-demo

# proto regenerates internal/connectproto/connect.pb.go from connect.proto
# (needs protoc and protoc-gen-go v1.36.12; CI uses the committed file).
proto:
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" protoc --proto_path=internal/connectproto --go_out=internal/connectproto --go_opt=paths=source_relative internal/connectproto/connect.proto
