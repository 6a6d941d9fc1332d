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

// TestE2ERaceFirstBranchWins: step.Race through the serve handler and the
// engine. Branch 0 runs two steps in sequence, branch 1 sleeps an hour then
// runs a step. In race mode the engine calls the function again as soon as
// each step ends (wait mode would hold q2 back until the sleep ended), so
// branch 0 finishes first and wins and the step after the race runs once at
// once; as on the real dev server (wire-race.json), the call after that step
// waits for the loser's sleep, which is still pending, so the run completes
// when the hour is over; branch 1's step after its sleep never runs.
func TestE2ERaceFirstBranchWins(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	type out struct {
		Winner int    `json:"winner"`
		Value  string `json:"value"`
		After  string `json:"after"`
	}
	fn := newFn(t, env, inngest.FunctionOpts{ID: "race"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (out, error) {
			w, v, err := step.Race(ctx,
				func(ctx context.Context) (string, error) {
					a, err := step.Run(ctx, "q1", func(ctx context.Context) (string, error) { return "q1", nil })
					if err != nil {
						return "", err
					}
					return step.Run(ctx, "q2", func(ctx context.Context) (string, error) { return a + "+q2", nil })
				},
				func(ctx context.Context) (string, error) {
					if err := step.Sleep(ctx, "long", time.Hour); err != nil {
						return "", err
					}
					return step.Run(ctx, "late", func(ctx context.Context) (string, error) { return "late", nil })
				})
			if err != nil {
				return out{}, err
			}
			after, err := step.Run(ctx, "after", func(ctx context.Context) (string, error) { return "after", nil })
			return out{Winner: w, Value: v, After: after}, err
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `{"winner":0,"value":"q1+q2","after":"after"}`)
	require.GreaterOrEqual(t, run.EndedAt.Sub(run.StartedAt), time.Hour, "the run ended while the loser's sleep was pending")
	inngesttest.RequireStepAttempts(t, run, "after", 1)
	long, ok := run.Step("long")
	require.True(t, ok)
	require.True(t, long.Done, "the run completed before the loser's sleep ended")
	after, ok := run.Step("after")
	require.True(t, ok)
	var afterCalls int
	for _, c := range callsOf(run) {
		if c.StepID == after.ID {
			afterCalls++
			require.Less(t, c.At.Sub(run.StartedAt), time.Hour, "the step after the race waited for the loser")
		}
	}
	require.Equal(t, 1, afterCalls)
	_, ok = run.Step("late")
	require.False(t, ok, "the loser's step after its sleep was started")
	for _, id := range []string{"q1", "q2", "long"} {
		s, ok := run.Step(id)
		require.True(t, ok, id)
		require.True(t, s.Race, "%s was not reported with parallelMode race", id)
	}
	s, _ := run.Step("after")
	require.False(t, s.Race)
}

// TestE2ERaceLoserStepStillStored: branch 0 sleeps a minute, branch 1 runs a
// step: branch 1 wins, and the step after the race, run in a later call, sees the
// same winner. The sleep scheduled before the race was decided still ends (its
// result is stored) without starting anything of branch 0 after it.
func TestE2ERaceLoserStepStillStored(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "race-two"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) ([]int, error) {
			w, v, err := step.Race(ctx,
				func(ctx context.Context) (int, error) {
					if err := step.Sleep(ctx, "nap", time.Minute); err != nil {
						return 0, err
					}
					return step.Run(ctx, "woke", func(ctx context.Context) (int, error) { return 10, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "y", func(ctx context.Context) (int, error) { return 20, nil })
				})
			if err != nil {
				return nil, err
			}
			seen, err := step.Run(ctx, "seen", func(ctx context.Context) (int, error) { return w, nil })
			if err != nil {
				return nil, err
			}
			// Keep the run going past the nap, so that it ends while the run lives.
			if err := step.Sleep(ctx, "linger", 2*time.Minute); err != nil {
				return nil, err
			}
			return []int{w, v, seen}, nil
		})
	env.Serve(fn)
	run := env.WaitForRun(t, env.Send(t, e2eStarted.New(e2eData{}))[0])
	inngesttest.RequireOutput(t, run, `[1,20,1]`)
	inngesttest.RequireStepAttempts(t, run, "seen", 1)
	nap, ok := run.Step("nap")
	require.True(t, ok)
	require.True(t, nap.Done, "the loser's sleep did not end")
	_, ok = run.Step("woke")
	require.False(t, ok, "the loser went on after its sleep")
}
