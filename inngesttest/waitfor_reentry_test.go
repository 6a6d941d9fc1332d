package inngesttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// A WaitFor predicate may call back into the environment (Runs, Send, Dump):
// it runs without the engine's lock held.
func TestWaitForPredicateMayCallTheEnv(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{Timeout: 5 * time.Second})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "echo"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) { return in.Event.Data.N, nil })
	require.NoError(t, err)
	env.Serve(fn)

	sent := false
	runs := env.WaitFor(t, "two runs, the second sent from the predicate", func(runs []runtype.Run) bool {
		require.Len(t, env.Runs(), len(runs))
		_ = env.Dump()
		if !sent {
			env.Send(t, tick.New(tickData{N: 1}), tick.New(tickData{N: 2}))
			sent = true
			return false
		}
		done := 0
		for _, r := range runs {
			if r.Status.Done() {
				done++
			}
		}
		return done == 2
	})
	require.Len(t, runs, 2)
}

// A predicate that never holds fails the test after Options.Timeout, even
// while it calls back into the environment.
func TestWaitForReentrantPredicateTimesOut(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{Timeout: 50 * time.Millisecond})
	msg := failure(t, func(tb testing.TB) {
		env.WaitFor(tb, "nothing", func([]runtype.Run) bool { _ = env.Runs(); return false })
	})
	require.Contains(t, msg, "gave up after 50ms waiting for nothing")
}
