//go:build realserver

package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
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

// TestRealServerLatency times a 10-step function end to end through a Connect
// worker and through the HTTP handler on the same dev server, in one run: the
// two apps hold the same function (checkpointing on, the default), and the
// runs alternate, one at a time (LATENCY_RUNS of each, 20 by default). It logs
// p50/p90 of two figures per transport: "server" is the run's ended_at (run
// API) minus the moment before the event was sent; "observed" is when a
// 5 ms poll of the run API first saw it Completed with its output.
//
//	INNGEST_DEV=http://127.0.0.1:9150 go test -tags realserver -run TestRealServerLatency -v ./connect/
func TestRealServerLatency(t *testing.T) {
	dev := os.Getenv("INNGEST_DEV")
	require.NotEmpty(t, dev, "set INNGEST_DEV to the dev server's origin")
	runs := 20
	if s := os.Getenv("LATENCY_RUNS"); s != "" {
		var err error
		runs, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
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

	one := func(c *inngest.Client, ev events.Definition[realIn], i int) (server, observed time.Duration) {
		start := time.Now()
		ids, err := c.Send(context.Background(), ev.New(realIn{N: i}))
		require.NoError(t, err)
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			status, output, ended := latencyRun(t, dev, ids[0])
			if status == "Completed" && output == "45" && !ended.IsZero() {
				return ended.Sub(start), time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("run of %s did not complete", ev.EventName())
		return 0, 0
	}
	// One warm-up run each, not counted.
	one(ch, evh, -1)
	one(cw, evw, -1)
	var hs1, ho, cs, co []time.Duration
	for i := 0; i < runs; i++ {
		s, o := one(ch, evh, i)
		hs1, ho = append(hs1, s), append(ho, o)
		s, o = one(cw, evw, i)
		cs, co = append(cs, s), append(co, o)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("10-step function, checkpointing on, %d alternating runs each, GOMAXPROCS %d, loadavg %s", runs, runtime.GOMAXPROCS(0), load)
	t.Logf("server  (ended_at - send): http p50 %v p90 %v | connect p50 %v p90 %v", pct(hs1, 50), pct(hs1, 90), pct(cs, 50), pct(cs, 90))
	t.Logf("observed (5 ms poll):      http p50 %v p90 %v | connect p50 %v p90 %v", pct(ho, 50), pct(ho, 90), pct(co, 50), pct(co, 90))
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := (p*len(s) + 99) / 100
	if k < 1 {
		k = 1
	}
	return s[k-1].Round(100 * time.Microsecond)
}

// latencyRun reads the event's first run: status, output and ended_at.
func latencyRun(t *testing.T, dev, eventID string) (string, string, time.Time) {
	res, err := http.Get(fmt.Sprintf("%s/v1/events/%s/runs?nc=%d", dev, eventID, time.Now().UnixNano()))
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var body struct {
		Data []struct {
			Status  string          `json:"status"`
			Output  json.RawMessage `json:"output"`
			EndedAt *time.Time      `json:"ended_at"`
		} `json:"data"`
	}
	_ = json.Unmarshal(b, &body)
	if len(body.Data) == 0 {
		return "", "", time.Time{}
	}
	d := body.Data[0]
	var ended time.Time
	if d.EndedAt != nil {
		ended = *d.EndedAt
	}
	return d.Status, string(d.Output), ended
}
