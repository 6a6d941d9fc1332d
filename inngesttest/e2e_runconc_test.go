package inngesttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// span is when a run held its run-level slot: from its first call to its end.
type span struct {
	n          int
	user       string
	start, end time.Time
}

// spanOf returns run's span, its event's n and user.
func spanOf(t *testing.T, run runtype.Run) span {
	t.Helper()
	calls := callsOf(run)
	require.NotEmpty(t, calls, run.String())
	ev := eventOf(t, run)
	return span{n: ev.Data.N, user: ev.Data.User, start: calls[0].At, end: run.EndedAt}
}

// eventOf decodes run's event.
func eventOf(t *testing.T, run runtype.Run) struct{ Data e2eData } {
	t.Helper()
	var ev struct{ Data e2eData }
	require.NotEmpty(t, run.Events)
	require.NoError(t, json.Unmarshal(run.Events[0], &ev))
	return ev
}

// settled waits until the engine has nothing due and returns the runs of fn
// by their event's n: every run that could start has started (and sleeps).
func settled(t *testing.T, env *inngesttest.Env, fn string) map[int]runtype.Run {
	t.Helper()
	require.Eventually(t, env.Engine().Idle, 10*time.Second, time.Millisecond)
	out := map[int]runtype.Run{}
	for _, r := range runsOf(env, fn) {
		out[eventOf(t, r).Data.N] = r
	}
	return out
}

// inProgress lists the n of fn's runs that started and have not ended.
func inProgress(t *testing.T, env *inngesttest.Env, fn string) []int {
	t.Helper()
	var out []int
	for n, r := range settled(t, env, fn) {
		if r.Calls > 0 && !r.Status.Done() {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TestE2ERunConcurrency: with RunConcurrency{Limit: 1} a run holds its slot
// while it sleeps; the runs over the limit start one at a time, in the order
// of their events, each when the previous one ended. With a key, runs of
// other keys are not held back.
func TestE2ERunConcurrency(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "event.data.user"} {
		t.Run("key="+key, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
			fn := newFn(t, env, inngest.FunctionOpts{ID: "one-run", RunConcurrency: &inngest.RunConcurrency{Limit: 1, Key: key}},
				inngest.OnEvent(e2eStarted), napper)
			env.Serve(fn)
			env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}))
			sleeping(t, env, "one-run", "nap", 1)
			for n := 2; n <= 3; n++ {
				env.Send(t, e2eStarted.New(e2eData{User: "u1", N: n}))
				require.Equal(t, []int{1}, inProgress(t, env, "one-run"), "run %d waits for the sleeping run's slot", n)
			}
			env.Send(t, e2eStarted.New(e2eData{User: "u2", N: 4}))
			want := []int{1}
			if key != "" {
				want = []int{1, 4} // another key has a slot of its own
			}
			require.Equal(t, want, inProgress(t, env, "one-run"))
			for i := 0; i < 4 && len(inProgress(t, env, "one-run")) > 0; i++ {
				advance(env, time.Hour)
			}
			runs := settled(t, env, "one-run")
			require.Len(t, runs, 4)
			var spans []span
			for _, r := range runs {
				inngesttest.RequireCompleted(t, r)
				spans = append(spans, spanOf(t, r))
			}
			slices.SortFunc(spans, func(a, b span) int { return a.n - b.n })
			slices.SortStableFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
			var order []int
			for _, s := range spans {
				order = append(order, s.n)
			}
			if key == "" {
				require.Equal(t, []int{1, 2, 3, 4}, order, "runs started in the order of their events")
			}
			byGroup := map[string][]span{}
			for _, s := range spans {
				g := "all"
				if key != "" {
					g = s.user
				}
				byGroup[g] = append(byGroup[g], s)
			}
			for g, ss := range byGroup {
				for i := 1; i < len(ss); i++ {
					require.False(t, ss[i].start.Before(ss[i-1].end), "%s: run %d started before run %d ended", g, ss[i].n, ss[i-1].n)
				}
			}
			if key != "" {
				require.Equal(t, []int{1, 4, 2, 3}, order, "u2's run started while u1's first slept")
				require.Equal(t, spans[0].start, spans[1].start)
			}
		})
	}
}

// TestE2ERunConcurrencyReleasedOnCancelAndFailure: a cancelled or failed run
// frees its slot for the next queued run; cancelling a queued run frees
// none.
func TestE2ERunConcurrencyReleasedOnCancelAndFailure(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{
		ID:             "one-run",
		Retries:        inngest.NoRetries,
		RunConcurrency: &inngest.RunConcurrency{Limit: 1},
		CancelOn:       []inngest.CancelOn{{Event: e2eCancel, If: "async.data.n == event.data.n"}},
	}, inngest.OnEvent(e2eStarted), func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
		if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
			return "", err
		}
		if in.Event.Data.N == 3 {
			return "", errors.New("run 3 fails")
		}
		return fmt.Sprint(in.Event.Data.N), nil
	})
	env.Serve(fn)
	env.Send(t, e2eStarted.New(e2eData{N: 1}))
	sleeping(t, env, "one-run", "nap", 1)
	for n := 2; n <= 4; n++ {
		env.Send(t, e2eStarted.New(e2eData{N: n}))
	}
	require.Equal(t, []int{1}, inProgress(t, env, "one-run"))

	env.Send(t, e2eCancel.New(e2eData{N: 2})) // queued: it held no slot
	env.WaitFor(t, "run 2 cancelled", func([]runtype.Run) bool {
		r, ok := settled(t, env, "one-run")[2]
		return ok && r.Status == inngesttest.StatusCancelled
	})
	require.Equal(t, []int{1}, inProgress(t, env, "one-run"))

	env.Send(t, e2eCancel.New(e2eData{N: 1})) // sleeping: its slot goes to run 3
	env.WaitFor(t, "run 3 sleeping", func([]runtype.Run) bool {
		return slices.Equal(inProgress(t, env, "one-run"), []int{3})
	})
	advance(env, time.Hour) // run 3 fails: its slot goes to run 4
	env.WaitFor(t, "run 4 sleeping", func([]runtype.Run) bool {
		return slices.Equal(inProgress(t, env, "one-run"), []int{4})
	})
	advance(env, time.Hour)
	runs := settled(t, env, "one-run")
	require.Equal(t, inngesttest.StatusCancelled, runs[1].Status)
	require.Equal(t, inngesttest.StatusCancelled, runs[2].Status)
	require.Zero(t, runs[2].Calls, "a cancelled queued run never started")
	require.Equal(t, inngesttest.StatusFailed, runs[3].Status, runs[3].String())
	inngesttest.RequireOutput(t, runs[4], `"4"`)
	s1, s3, s4 := spanOf(t, runs[1]), spanOf(t, runs[3]), spanOf(t, runs[4])
	require.False(t, s3.start.Before(s1.end))
	require.False(t, s4.start.Before(s3.end))
}
