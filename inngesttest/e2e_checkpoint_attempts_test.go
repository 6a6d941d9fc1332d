package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2ECheckpointResetsAttempts: with checkpointing (the default), a call on its
// last attempt that completes the retried step and then meets a new failing step
// gives that step its full retries: the retried call ends after that step, and
// the next one starts in a new call at attempt 0 (the engine, like the server,
// judges a step error by the attempt of the call that reported it).
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

// TestE2EAttemptOfEachStep: Input.Attempt (and the middleware's StepInfo.Attempt)
// is the attempt of the step being executed, as the engine counts it, for
// every step, with checkpointing on and off: a step that fails once then
// succeeds, followed by more steps, each of which fails once too. Before, with
// checkpointing, the step after a retried one ran in the same call: it saw
// Input.Attempt 1 and StepInfo.Attempt 0, and its error, judged by the call's
// attempt, was final (the run failed).
func TestE2EAttemptOfEachStep(t *testing.T) {
	t.Parallel()
	for _, ck := range []struct {
		name string
		opts inngest.CheckpointOptions
	}{{"checkpointing", inngest.CheckpointOptions{}}, {"no checkpointing", noCheckpoint}} {
		t.Run(ck.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			var mu sync.Mutex
			var seen []string
			failed := map[string]bool{}
			mw := &inngest.Middleware{Name: "attempts", BeforeStep: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo) context.Context {
				mu.Lock()
				seen = append(seen, fmt.Sprintf("%s:mw%d", s.ID, s.Attempt))
				mu.Unlock()
				return ctx
			}}
			fn := newFn(t, env, inngest.FunctionOpts{ID: "attempts", Retries: 1, Checkpoint: ck.opts, Middleware: []*inngest.Middleware{mw}},
				inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					for _, id := range []string{"a", "b", "c"} {
						if _, err := step.Run(ctx, id, func(ctx context.Context) (int, error) {
							mu.Lock()
							defer mu.Unlock()
							seen = append(seen, fmt.Sprintf("%s:in%d", id, in.Attempt))
							if !failed[id] {
								failed[id] = true
								return 0, errors.New(id + " fails once")
							}
							return 1, nil
						}); err != nil {
							return "", err
						}
					}
					return "done", nil
				})
			env.Serve(fn)
			run := env.WaitForRun(t, env.Send(t, e2eStarted.New(e2eData{}))[0])
			inngesttest.RequireOutput(t, run, `"done"`)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{
				"a:mw0", "a:in0", "a:mw1", "a:in1",
				"b:mw0", "b:in0", "b:mw1", "b:in1",
				"c:mw0", "c:in0", "c:mw1", "c:in1",
			}, seen)
			for _, id := range []string{"a", "b", "c"} {
				inngesttest.RequireStepAttempts(t, run, id, 2)
			}
		})
	}
}
