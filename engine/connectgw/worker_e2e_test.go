package connectgw

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

type orderData struct {
	N int `json:"n"`
}

// startWorker runs this module's Connect worker against the env's gateway.
func (e *env) startWorker(opts connect.Options, fns func(c *inngest.Client) []inngest.ServableFunction) *connect.Worker {
	e.t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		quiet = slog.Default()
	}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "e2e", Mode: inngest.ModeDev, DevServerURL: e.srv.URL, Logger: quiet})
	require.NoError(e.t, err)
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	w, err := connect.New(c, opts, fns(c)...)
	require.NoError(e.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(testBound):
			e.t.Error("worker did not stop")
		}
	})
	require.Eventually(e.t, w.Ready, testBound, 5*time.Millisecond)
	return w
}

// TestWorkerEndToEnd: this module's Connect worker, connected to the
// engine's gateway, runs a function with steps (two step.Run, a sleep, a
// step that fails once and is retried) to completion with no HTTP handler:
// every call went over the socket.
func TestWorkerEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	var flaky atomic.Int32
	e.startWorker(connect.Options{InstanceID: "e2e-1"}, func(c *inngest.Client) []inngest.ServableFunction {
		fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "order"},
			inngest.OnEvent(events.Define[orderData]("e2e/order.placed")),
			func(ctx context.Context, in inngest.Input[orderData]) (int, error) {
				a, err := step.Run(ctx, "double", func(ctx context.Context) (int, error) { return in.Event.Data.N * 2, nil })
				if err != nil {
					return 0, err
				}
				if err := step.Sleep(ctx, "pause", 50*time.Millisecond); err != nil {
					return 0, err
				}
				b, err := step.Run(ctx, "flaky", func(ctx context.Context) (int, error) {
					if flaky.Add(1) == 1 {
						return 0, errFlaky
					}
					return a + 1, nil
				})
				if err != nil {
					return 0, err
				}
				return step.Run(ctx, "square", func(ctx context.Context) (int, error) { return b * b, nil })
			})
		require.NoError(t, err)
		return []inngest.ServableFunction{fn}
	})
	// The worker is Ready once GATEWAY_CONNECTION_READY arrives; the gateway
	// marks the connection READY when the worker's WORKER_READY, sent right
	// after, reaches it: wait for that instead of racing it.
	require.Eventually(t, func() bool {
		conns := e.gw.Connections()
		return len(conns) == 1 && conns[0].Status == "READY"
	}, testBound, 5*time.Millisecond)
	conns := e.gw.Connections()
	require.Len(t, conns, 1)
	require.Equal(t, "e2e-1", conns[0].InstanceID)
	require.Equal(t, []string{"e2e"}, conns[0].Apps)

	ids, err := e.eng.SendJSON(context.Background(), []byte(`{"name":"e2e/order.placed","data":{"n":3}}`))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	runs, err := e.eng.WaitForEventRuns(ctx, ids[0], 1)
	require.NoError(t, err)
	run := runs[0]
	require.Equal(t, runtype.StatusCompleted, run.Status, historyText(run))
	require.JSONEq(t, `49`, string(run.Output)) // ((3*2)+1)^2
	require.EqualValues(t, 2, flaky.Load(), "the failed step was retried once")
}

type flakyErr struct{}

func (flakyErr) Error() string { return "flaky: first attempt fails" }

var errFlaky error = flakyErr{}

// TestWorkerSurvivesDrain: a drain mid-run makes the worker reconnect; the
// run, with a step holding the request during the drain, completes.
func TestWorkerSurvivesDrain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	started, release := make(chan struct{}), make(chan struct{})
	e.startWorker(connect.Options{InstanceID: "e2e-drain", ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond},
		func(c *inngest.Client) []inngest.ServableFunction {
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "slow"},
				inngest.OnEvent(events.Define[orderData]("e2e/slow.started")),
				func(ctx context.Context, in inngest.Input[orderData]) (string, error) {
					if _, err := step.Run(ctx, "hold", func(ctx context.Context) (string, error) {
						close(started)
						<-release
						return "held", nil
					}); err != nil {
						return "", err
					}
					return step.Run(ctx, "after", func(ctx context.Context) (string, error) { return "done", nil })
				})
			require.NoError(t, err)
			return []inngest.ServableFunction{fn}
		})
	first := e.gw.Connections()[0].ID
	ids, err := e.eng.SendJSON(context.Background(), []byte(`{"name":"e2e/slow.started","data":{"n":1}}`))
	require.NoError(t, err)
	<-started
	drained := make(chan error, 1)
	go func() { drained <- e.gw.Drain(context.Background()) }()
	require.Eventually(t, func() bool {
		for _, ci := range e.gw.Connections() {
			if ci.ID != first && ci.Status == "READY" {
				return true
			}
		}
		return false
	}, testBound, 5*time.Millisecond, "the worker reconnected")
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	runs, err := e.eng.WaitForEventRuns(ctx, ids[0], 1)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status, historyText(runs[0]))
	require.JSONEq(t, `"done"`, string(runs[0].Output))
	select {
	case err := <-drained:
		require.NoError(t, err)
	case <-time.After(testBound):
		t.Fatal("Drain did not return")
	}
}
