package engine_test

import (
	"context"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// WaitFor calls its predicate again when the engine goes idle, not only when a
// run changes, so a predicate may check Idle: here the last thing that happens
// is a call ending for a run cancelled while the call was in flight, which
// changes no run (the result is dropped). WaitFor missed it and waited until
// its context ended; the dev UI's tests wait this way.
func TestWaitForSeesTheEngineGoIdle(t *testing.T) {
	t.Parallel()
	inCall, release := make(chan struct{}), make(chan struct{})
	h := newHarness(t, engine.Options{}, func(call) reply {
		close(inCall)
		<-release
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("slow", nil))
	id := h.send("test/slow", map[string]any{})
	<-inCall
	runID := must(h.eng.RunsForEvent(id))[0].ID
	require.NoError(t, h.eng.CancelRun(context.Background(), runID))
	require.False(t, h.eng.Idle(), "the call is still in flight")

	checked := make(chan struct{}, 1)
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- h.eng.WaitFor(ctx, func([]runtype.Run) bool {
			r, _ := h.eng.Run(runID)
			idle := r.Status == runtype.StatusCancelled && h.eng.Idle()
			select {
			case checked <- struct{}{}:
			default:
			}
			return idle
		})
	}()
	<-checked // WaitFor holds the change channel from before its first check
	close(release)
	require.NoError(t, <-done, "WaitFor never saw the engine go idle")
	require.True(t, h.eng.Idle())
}
