package engine

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkHistoryAppend measures one history entry added to a run that
// already logged n entries, as the MemoryStore makes the engine do it: the
// stored run shares History clipped to its length, so the append copies the
// whole list. With the bound (runtype.MaxHistory) the copy stops growing with n.
func BenchmarkHistoryAppend(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run("entries="+strconv.Itoa(n), func(b *testing.B) {
			e := &Engine{clock: NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
			r := &runState{}
			for i := range n {
				e.held().historyLocked(r, "checkpoint", "", 0, "StepRun(s"+strconv.Itoa(i)+")")
			}
			r.History = slices.Clip(r.History)
			start := r.History
			b.ReportAllocs()
			for b.Loop() {
				r.History = start // the run as loaded again: n entries
				e.held().historyLocked(r, "checkpoint", "", 0, "StepRun(next)")
			}
		})
	}
}
