package inngesttest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

type fulfilOrder struct {
	N int `json:"n"`
}

var fulfilOrderEvent = events.Define[fulfilOrder]("app/fulfil.requested")

// TestSameOnBothTransports: one test body passes whether the functions are
// served over HTTP (Serve) or run by a Connect worker over the environment's
// gateway (ServeConnect): steps, a day-long sleep on the virtual clock, a
// retried step.
func TestSameOnBothTransports(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"http", "connect"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			var attempts atomic.Int32
			fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "fulfil"}, inngest.OnEvent(fulfilOrderEvent),
				func(ctx context.Context, in inngest.Input[fulfilOrder]) (int, error) {
					a, err := step.Run(ctx, "reserve", func(ctx context.Context) (int, error) { return in.Event.Data.N * 10, nil })
					if err != nil {
						return 0, err
					}
					if err := step.Sleep(ctx, "cool-off", 24*time.Hour); err != nil {
						return 0, err
					}
					return step.Run(ctx, "ship", func(ctx context.Context) (int, error) {
						if attempts.Add(1) == 1 {
							return 0, errors.New("carrier busy")
						}
						return a + 2, nil
					})
				})
			require.NoError(t, err)
			start := env.Now()
			if transport == "http" {
				env.Serve(fn)
			} else {
				env.ServeConnect(fn)
				apps, err := env.Engine().Apps()
				require.NoError(t, err)
				require.Len(t, apps, 1)
				require.Equal(t, "ws://connect?app_name=test-app", apps[0].URL, "synced over the worker's socket")
			}
			ids := env.Send(t, fulfilOrderEvent.New(fulfilOrder{N: 4}))
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireCompleted(t, run)
			inngesttest.RequireOutput(t, run, `42`)
			inngesttest.RequireStepRan(t, run, "reserve")
			require.EqualValues(t, 2, attempts.Load())
			require.GreaterOrEqual(t, env.Now().Sub(start), 24*time.Hour)
		})
	}
}
