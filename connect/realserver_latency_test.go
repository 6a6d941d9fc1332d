//go:build realserver

package connect_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestRealServerLatency times a 10-step function end to end (event sent →
// run Completed on the run API) through a Connect worker and through the HTTP
// handler, on the same dev server, one run at a time, and logs both.
func TestRealServerLatency(t *testing.T) {
	dev := os.Getenv("INNGEST_DEV")
	require.NotEmpty(t, dev, "set INNGEST_DEV to the dev server's origin")
	tenSteps := func(c *inngest.Client, name string) (*inngest.Function[realIn, int], events.Definition[realIn]) {
		ev := events.Define[realIn]("latency/" + name + ".started")
		fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ten"}, inngest.OnEvent(ev),
			func(ctx context.Context, in inngest.Input[realIn]) (int, error) {
				sum := 0
				for i := 0; i < 10; i++ {
					v, err := step.Run(ctx, "s"+strconv.Itoa(i), func(ctx context.Context) (int, error) { return i, nil })
					if err != nil {
						return 0, err
					}
					sum += v
				}
				return sum, nil
			})
		require.NoError(t, err)
		return fn, ev
	}

	// HTTP: serve on a local port, synced out of band.
	ch, err := inngest.NewClient(inngest.ClientOptions{AppID: "latency-http", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)
	fh, evh := tenSteps(ch, "http")
	srv, err := serve.New(ch, serve.Options{}, fh)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	require.NoError(t, srv.Register(context.Background(), "http://"+ln.Addr().String()+"/api/inngest"))

	// Connect.
	cw, err := inngest.NewClient(inngest.ClientOptions{AppID: "latency-connect", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)
	fw, evw := tenSteps(cw, "connect")
	w, err := connect.New(cw, connect.Options{InstanceID: "latency-1"}, fw)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, w.Ready, 20*time.Second, 50*time.Millisecond)
	time.Sleep(2 * time.Second)

	measure := func(c *inngest.Client, ev events.Definition[realIn]) []time.Duration {
		var out []time.Duration
		for i := 0; i < 7; i++ {
			start := time.Now()
			ids, err := c.Send(context.Background(), ev.New(realIn{N: i}))
			require.NoError(t, err)
			require.Equal(t, "45", waitRun(t, dev, ids[0], 60*time.Second))
			out = append(out, time.Since(start))
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	pollEvery = 10 * time.Millisecond
	defer func() { pollEvery = 500 * time.Millisecond }()
	h1 := measure(ch, evh)
	c1 := measure(cw, evw)
	t.Logf("10-step function, event → Completed, 7 runs each (sorted): http %v | connect %v", h1, c1)
	t.Logf("median: http %v, connect %v", h1[3], c1[3])
}
