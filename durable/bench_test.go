package durable_test

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/durable"
)

// BenchmarkInlineRequest is one request through a durable endpoint whose two
// steps finish inline, against the engine on loopback: the request, the three
// checkpoint requests it makes (new run, a step, the result) and the engine's
// side of them, all counted.
func BenchmarkInlineRequest(b *testing.B) {
	var x, y atomic.Int32
	e := newEnvTB(b, durable.Options{}, order(&x, &y, nil))
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.Post(e.app.URL+"/orders", "application/json", strings.NewReader(`{"n":1}`))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
}
