package engine_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestCallWorkersAreReused runs 20 three-step runs one after another (80
// calls): the calls run on a few call workers, not on a new goroutine each
// (whose stack the HTTP client grows anew every time).
func TestCallWorkersAreReused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, threeSteps)
	h.mustRegister(h.fn("workers", nil))
	calls := 0
	for i := range 20 {
		id := h.send("test/workers", map[string]any{"i": i})
		run := h.waitRuns(id, 1)[0]
		require.Equal(t, runtype.StatusCompleted, run.Status)
		calls += run.Calls
	}
	require.Equal(t, 80, calls)
	// One call at a time: a second worker starts only when the first has
	// not yet gone back to waiting when the next call is made.
	require.LessOrEqual(t, engine.CallWorkersForTest(h.eng), 4, "call workers started for %d calls", calls)
}
