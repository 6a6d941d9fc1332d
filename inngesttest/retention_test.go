package inngesttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// The environment keeps every run for the test's lifetime, even after the
// auto-advancing clock jumps past the engine's default retention.
func TestEnvKeepsRunsAcrossLongSleeps(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "maybe-sleepy"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) {
			if in.Event.Data.N > 0 {
				if err := step.Sleep(ctx, "month", 30*24*time.Hour); err != nil {
					return 0, err
				}
			}
			return in.Event.Data.N, nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	first := env.Send(t, tick.New(tickData{N: 0}))
	env.WaitForRun(t, first[0])
	second := env.Send(t, tick.New(tickData{N: 1}))
	env.WaitForRun(t, second[0])
	require.Len(t, env.RunsForEvent(first[0]), 1)
	require.Len(t, env.Runs(), 2)
}
