package bench

import (
	"context"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// sdkMeter measures the time spent in the SDK's serve handler, minus the time the
// handler waited on its own outbound requests (checkpoints) to the engine.
type sdkMeter struct {
	handler  atomic.Int64
	outbound atomic.Int64
	calls    atomic.Int64
}

func (m *sdkMeter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		m.handler.Add(int64(time.Since(start)))
		m.calls.Add(1)
	})
}

type meteredTransport struct {
	m    *sdkMeter
	next http.RoundTripper
}

func (t meteredTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/e/") { // Client.Send, outside any call
		return t.next.RoundTrip(r)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.m.outbound.Add(int64(time.Since(start)))
	return resp, err
}

// sdkTime is the SDK's own time so far.
func (m *sdkMeter) sdkTime() time.Duration {
	return time.Duration(m.handler.Load() - m.outbound.Load())
}

// runRig is an embedded engine driving an app of one n-step function over loopback
// HTTP, as in production.
type runRig struct {
	eng    *engine.Engine
	client *inngest.Client
	meter  *sdkMeter
}

func newRunRig(tb testing.TB, n int, checkpoint bool) *runRig {
	tb.Helper()
	eng, err := engine.New(engine.Options{})
	require.NoError(tb, err)
	api := httptest.NewServer(eng.Handler())
	m := &sdkMeter{}
	hc := &http.Client{Transport: meteredTransport{m: m, next: http.DefaultTransport}}
	c, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "bench", Mode: inngest.ModeDev, BaseURL: api.URL, HTTPClient: hc,
		Checkpoint: inngest.CheckpointOptions{Disabled: !checkpoint},
	})
	require.NoError(tb, err)
	fn := sequentialFunction(tb, c, n)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(tb, err)
	app := httptest.NewServer(m.wrap(h))
	tb.Cleanup(func() {
		_ = eng.Close()
		app.Close()
		api.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(tb, eng.Sync(ctx, app.URL+"/api/inngest"))
	m.handler.Store(0)
	m.outbound.Store(0)
	m.calls.Store(0)
	return &runRig{eng: eng, client: c, meter: m}
}

// run sends one event and waits for its run to complete with the expected output.
func (r *runRig) run(tb testing.TB, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := r.client.Send(ctx, orderCreated.New(order{OrderID: "o-1", Amount: 1}))
	if err != nil {
		tb.Fatal(err)
	}
	runs, err := r.eng.WaitForEventRuns(ctx, ids[0], 1)
	if err != nil {
		tb.Fatal(err)
	}
	if got, want := string(runs[0].Output), strconv.Itoa(20*n); runs[0].Status != runtype.StatusCompleted || got != want {
		tb.Fatalf("run %s: status %v, output %s, want %s", runs[0].ID, runs[0].Status, got, want)
	}
}

func TestRunCompletes(t *testing.T) {
	t.Parallel()
	for _, checkpoint := range []bool{true, false} {
		t.Run("checkpoint="+onOff(checkpoint), func(t *testing.T) {
			t.Parallel()
			const n = 5
			r := newRunRig(t, n, checkpoint)
			r.run(t, n)
			calls := r.meter.calls.Load()
			if checkpoint {
				require.Equal(t, int64(1), calls, "one call runs every step")
			} else {
				require.Equal(t, int64(n+1), calls, "one call per step, then the return")
			}
		})
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// BenchmarkRun runs whole N-step functions on the embedded engine, each step
// returning ~1 KB, with checkpointing on (the default) and off. Metrics: runs/s
// (engine throughput, one run at a time), cpu-ns/op (whole process: engine and
// SDK), sdk-ns/op (time in the SDK's handler minus its waits on the engine) and
// calls/op (HTTP calls from the engine to the app per run).
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100} {
		for _, checkpoint := range []bool{true, false} {
			b.Run("steps="+strconv.Itoa(n)+"/checkpoint="+onOff(checkpoint), func(b *testing.B) {
				r := newRunRig(b, n, checkpoint)
				r.run(b, n) // warm up
				sdk0, calls0 := r.meter.sdkTime(), r.meter.calls.Load()
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					r.run(b, n)
				}
				cpu.report(b)
				b.ReportMetric(float64(r.meter.sdkTime()-sdk0)/float64(b.N), "sdk-ns/op")
				b.ReportMetric(float64(r.meter.calls.Load()-calls0)/float64(b.N), "calls/op")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
			})
		}
	}
}
