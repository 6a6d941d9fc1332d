package engine

import (
	"container/heap"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/stretchr/testify/require"
)

// An idle engine on an auto-advancing clock finds its next non-cron timer
// without scanning every timer: with 10,000 waits' timeouts and a few cron
// timers in the heap it looks at a few timers, and finds what a scan finds.
func TestEarliestNonCronVisitsFewTimers(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ timers, crons int }{{0, 0}, {0, 3}, {1, 0}, {10000, 0}, {10000, 5}, {300, 300}} {
		var h timerHeap
		push := func(kind enginestore.TimerKind, at time.Time) {
			heap.Push(&h, &queued{t: enginestore.TimerItem{ID: strconv.Itoa(h.Len()), Kind: kind, At: at}})
		}
		for range tc.crons {
			push(enginestore.TimerCron, start.Add(time.Duration(rng.IntN(3600))*time.Second))
		}
		for range tc.timers {
			push(enginestore.TimerPauseTimeout, start.Add(time.Duration(rng.IntN(86400))*time.Second))
		}
		var want time.Time
		found := false
		for _, q := range h {
			if q.t.Kind != enginestore.TimerCron && (!found || q.t.At.Before(want)) {
				want, found = q.t.At, true
			}
		}
		got, ok, visited := earliestNonCron(h)
		require.Equal(t, found, ok, "%+v", tc)
		require.True(t, want.Equal(got), "%+v: %v, want %v", tc, got, want)
		require.LessOrEqual(t, visited, 2*tc.crons+1, "%+v", tc)
	}
}
