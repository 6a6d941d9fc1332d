//go:build realserver

package connect_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestRealServerKinds runs one kind of step per function through one Connect
// worker on a real dev server, all at once. INNGEST_CONNECT_LONG_STEP=150s adds a
// step that outlives the gateway's 2-minute lease (it completes only if the
// worker extends the lease).
func TestRealServerKinds(t *testing.T) {
	dev := os.Getenv("INNGEST_DEV")
	require.NotEmpty(t, dev, "set INNGEST_DEV to the dev server's origin")
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-kinds", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)
	def := func(name string) events.Definition[realIn] {
		return events.Define[realIn]("connectkinds/" + name + ".started")
	}

	type kind struct {
		name string
		fn   inngest.ServableFunction
		want string
	}
	var kinds []kind
	add := func(name, want string, fn inngest.ServableFunction, err error) {
		require.NoError(t, err)
		kinds = append(kinds, kind{name, fn, want})
	}

	f1, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "wait-timeout"}, inngest.OnEvent(def("waittimeout")),
		func(ctx context.Context, in inngest.Input[realIn]) (bool, error) {
			_, ok, err := step.WaitForEvent(ctx, "never", events.Define[realIn]("connectkinds/never.sent"), 2*time.Second)
			return ok, err
		})
	add("waittimeout", `false`, f1, err)

	f2, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parallel"}, inngest.OnEvent(def("parallel")),
		func(ctx context.Context, in inngest.Input[realIn]) ([]int, error) {
			branch := func(i int) func(ctx context.Context) (int, error) {
				return func(ctx context.Context) (int, error) {
					return step.Run(ctx, "b"+strconv.Itoa(i), func(ctx context.Context) (int, error) { return i * 10, nil })
				}
			}
			return step.Parallel(ctx, branch(1), branch(2), branch(3))
		})
	add("parallel", `[10,20,30]`, f2, err)

	received := events.Define[realIn]("connectkinds/sent.received")
	var got atomic.Int32
	recv, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "receiver"}, inngest.OnEvent(received),
		func(ctx context.Context, in inngest.Input[realIn]) (int, error) {
			got.Add(1)
			return in.Event.Data.N, nil
		})
	require.NoError(t, err)
	f3, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "send"}, inngest.OnEvent(def("send")),
		func(ctx context.Context, in inngest.Input[realIn]) (int, error) {
			ids, err := step.SendEvent(ctx, "send", received.New(realIn{N: 5}))
			return len(ids), err
		})
	add("send", `1`, f3, err)

	var attempts atomic.Int32
	f4, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "retry", Retries: 3}, inngest.OnEvent(def("retry")),
		func(ctx context.Context, in inngest.Input[realIn]) (int32, error) {
			return step.Run(ctx, "flaky", func(ctx context.Context) (int32, error) {
				if n := attempts.Add(1); n < 3 {
					return 0, inngest.RetryAfter(errors.New("flaky"), time.Second)
				}
				return attempts.Load(), nil
			})
		})
	add("retry", `3`, f4, err)

	var failed atomic.Bool
	f5, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "fails"}, inngest.OnEvent(def("fails")),
		func(ctx context.Context, in inngest.Input[realIn]) (int, error) {
			return 0, inngest.NoRetry(errors.New("for good"))
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[realIn]) error {
			failed.Store(true)
			return nil
		}))
	add("fails", "", f5, err)

	if d, _ := time.ParseDuration(os.Getenv("INNGEST_CONNECT_LONG_STEP")); d > 0 {
		f6, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "long"}, inngest.OnEvent(def("long")),
			func(ctx context.Context, in inngest.Input[realIn]) (string, error) {
				return step.Run(ctx, "long", func(ctx context.Context) (string, error) {
					time.Sleep(d)
					return "outlived the lease", nil
				})
			})
		add("long", `"outlived the lease"`, f6, err)
	}

	fns := []inngest.ServableFunction{recv}
	for _, k := range kinds {
		fns = append(fns, k.fn)
	}
	w, err := connect.New(c, connect.Options{InstanceID: "kinds-1"}, fns...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, w.Ready, 20*time.Second, 50*time.Millisecond)
	time.Sleep(time.Second)

	t.Run("kinds", func(t *testing.T) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				t.Parallel()
				ids, err := c.Send(context.Background(), def(k.name).New(realIn{N: 1}))
				require.NoError(t, err)
				if k.want == "" {
					waitFailed(t, dev, ids[0], 60*time.Second)
					require.Eventually(t, failed.Load, 30*time.Second, 100*time.Millisecond, "onFailure handler did not run")
					return
				}
				require.JSONEq(t, k.want, waitRun(t, dev, ids[0], 240*time.Second))
			})
		}
	})
	require.Eventually(t, func() bool { return got.Load() == 1 }, 30*time.Second, 100*time.Millisecond, "sent event's function did not run")
}
