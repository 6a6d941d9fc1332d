package inngesttest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2ECheckpointResetsAttempts: with checkpointing (the default), a call on its
// last attempt that completes the retried step and then meets a new failing step
// gives that step its full retries: the SDK judges it by its first attempt, and the
// engine, like the server, resets the call's attempts when it checkpoints.
func TestE2ECheckpointResetsAttempts(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var first, second atomic.Int32
	fn := newFn(t, env, inngest.FunctionOpts{ID: "two-flaky", Retries: 1}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			if _, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) {
				if first.Add(1) == 1 {
					return 0, errors.New("first fails once")
				}
				return 1, nil
			}); err != nil {
				return "", err
			}
			return step.Run(ctx, "second", func(ctx context.Context) (string, error) {
				if second.Add(1) == 1 {
					return "", errors.New("second fails once")
				}
				return "both done", nil
			})
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"both done"`)
	inngesttest.RequireStepAttempts(t, run, "first", 2)
	inngesttest.RequireStepAttempts(t, run, "second", 2)
}
