package engine

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// A 5,000-step run (one history entry per step) keeps runtype.MaxHistory entries:
// the first runtype.HistoryHead and the latest, counting the others as dropped; the
// entries a stored copy of the run shares are never overwritten.
func TestHistoryBound5000(t *testing.T) {
	t.Parallel()
	e := &Engine{clock: NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	r := &runState{}
	var stored []runtype.HistoryItem
	var storedCopy []runtype.HistoryItem
	const steps = 5000
	for i := range steps {
		e.held().historyLocked(r, "step", "s"+strconv.Itoa(i), 0, "")
		if i%97 == 0 {
			// What the MemoryStore keeps when the engine saves: the same
			// backing array, clipped.
			stored = slices.Clip(r.History)
			storedCopy = slices.Clone(stored)
			r.History = stored
		}
		require.LessOrEqual(t, len(r.History), runtype.MaxHistory)
		if !slices.Equal(storedCopy, stored) { // require.Equal's reflection per step took 11 s under -race
			require.Equal(t, storedCopy, stored, "a stored history was overwritten at step %d", i)
		}
	}
	require.Len(t, r.History, runtype.MaxHistory)
	require.Equal(t, steps-runtype.MaxHistory, r.HistoryDropped)
	for i, it := range r.History[:runtype.HistoryHead] {
		require.Equal(t, "s"+strconv.Itoa(i), it.StepID)
	}
	for i, it := range r.History[runtype.HistoryHead:] {
		require.Equal(t, "s"+strconv.Itoa(steps-runtype.MaxHistory+runtype.HistoryHead+i), it.StepID)
	}
}
