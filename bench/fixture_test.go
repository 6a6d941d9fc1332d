package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/cputime"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// item is one line of a payload.
type item struct {
	SKU   string  `json:"sku"`
	Label string  `json:"label"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

// payload is what every benchmark step returns: a few strings and a slice of 20
// small structs, about 1 KB of JSON.
type payload struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Note     string `json:"note"`
	Items    []item `json:"items"`
}

func makePayload(i int) payload {
	p := payload{
		ID:       "order-" + strconv.Itoa(i),
		Customer: "customer-" + strconv.Itoa(i%97) + "@example.com",
		Note:     "leave at the door",
		Items:    make([]item, 20),
	}
	for j := range p.Items {
		p.Items[j] = item{SKU: "s" + strconv.Itoa(i*20+j), Label: "w" + strconv.Itoa(j), Qty: j%5 + 1, Price: float64(j) + 0.5}
	}
	return p
}

// order is the data of the triggering event.
type order struct {
	OrderID string `json:"order_id"`
	Amount  int    `json:"amount"`
}

var orderCreated = events.Define[order]("bench/order.created")

func stepID(i int) string { return "step-" + strconv.Itoa(i) }

// callBody returns a canonical (RFC 8785) call request body, as the server sends
// it, with the given memoized steps (hashed id → memo object).
func callBody(tb testing.TB, steps map[string]any) []byte {
	tb.Helper()
	stack := make([]string, 0, len(steps))
	for h := range steps {
		stack = append(stack, h)
	}
	ev := map[string]any{"data": order{OrderID: "o-1", Amount: 1200}, "id": "01JBENCHEVENT0000000000000", "name": orderCreated.EventName(), "ts": 1700000000000, "user": map[string]any{}}
	body := map[string]any{
		"ctx": map[string]any{
			"attempt": 0, "disable_immediate_execution": false, "env": "bench", "fn_id": "9a1c0f7e-0000-4000-8000-000000000001",
			"max_attempts": 4, "qi_id": "", "request_id": "req", "run_id": "01JBENCHRUN00000000000000",
			"stack": map[string]any{"current": len(stack), "stack": stack}, "step_id": "step", "use_api": false,
		},
		"event":   ev,
		"events":  []any{ev},
		"steps":   steps,
		"use_api": false,
		"version": 2,
	}
	raw, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	canon, err := wire.Canonicalize(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return canon
}

// memoizedSteps returns k memoized Run steps step-0 … step-(k-1), each {"data": payload}.
func memoizedSteps(k int) map[string]any {
	steps := make(map[string]any, k)
	for i := 0; i < k; i++ {
		steps[wire.HashID(stepID(i), 0)] = map[string]any{"data": makePayload(i)}
	}
	return steps
}

// cpuMeter reports the process CPU time per op as the cpu-ns/op metric. Wall
// time (ns/op) suffers when other processes share the machine; CPU time much less,
// so ratios are taken on both.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{start: cputime.Process()} }

func (m cpuMeter) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cputime.Process()-m.start)/float64(b.N), "cpu-ns/op")
	}
}

// rewind is a request body that can be replayed without allocating.
type rewind struct{ bytes.Reader }

func (*rewind) Close() error { return nil }

// discard is a ResponseWriter that keeps only the status and the size.
type discard struct {
	h    http.Header
	code int
	n    int
	last []byte
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	d.n += len(p)
	d.last = p
	return len(p), nil
}

// caller replays one request body against a handler.
type caller struct {
	h    http.Handler
	req  *http.Request
	body []byte
	rw   rewind
	w    discard
}

func newCaller(tb testing.TB, h http.Handler, url string, body []byte, header http.Header) *caller {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	return &caller{h: h, req: req, body: body, w: discard{h: http.Header{}}}
}

// do serves the request once and returns the status code.
func (c *caller) do() int {
	c.rw.Reset(c.body)
	c.req.Body = &c.rw
	clear(c.w.h)
	c.w.code, c.w.n, c.w.last = 0, 0, nil
	c.h.ServeHTTP(&c.w, c.req)
	return c.w.code
}

// countOps counts the ops of kind op in a 206 body.
func countOps(tb testing.TB, body []byte, op wire.Opcode) int {
	tb.Helper()
	var ops []wire.Op
	if err := json.Unmarshal(body, &ops); err != nil {
		tb.Fatalf("decoding ops: %v: %s", err, body)
	}
	n := 0
	for _, o := range ops {
		if o.Op == op {
			n++
		}
	}
	return n
}
