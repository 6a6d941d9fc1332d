package engine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// timerCountingStore counts the timers saved.
type timerCountingStore struct {
	engine.Store
	saves atomic.Int64
}

func (s *timerCountingStore) SaveTimer(ctx context.Context, t engine.TimerItem) error {
	s.saves.Add(1)
	return s.Store.SaveTimer(ctx, t)
}

// A released concurrency slot wakes one call parked on its key, not every
// parked call: a backlog of runs behind a limit of 1 saves a bounded number
// of timers per run (a wake-all re-parks the whole backlog at every release).
func TestReleasedSlotWakesOneParkedCall(t *testing.T) {
	t.Parallel()
	st := &timerCountingStore{Store: engine.NewMemoryStore()}
	h := newHarness(t, engine.Options{Store: st}, func(c call) reply { return ok(`"done"`) })
	h.mustRegister(h.fn("one", map[string]any{"concurrency": []any{map[string]any{"limit": 1, "key": "event.data.k"}}}),
		h.fn("other", map[string]any{"concurrency": []any{map[string]any{"limit": 1, "key": "event.data.k"}}}))
	const n = 40
	ids := make([]string, 0, 2*n)
	for i := range n {
		ids = append(ids, h.send("test/one", map[string]any{"k": "a", "i": i}), h.send("test/other", map[string]any{"k": "b", "i": i}))
	}
	for _, id := range ids {
		runs, err := h.eng.WaitForEventRuns(context.Background(), id, 1)
		require.NoError(t, err)
		require.Equal(t, engine.StatusCompleted, runs[0].Status)
	}
	require.LessOrEqual(t, st.saves.Load(), int64(4*2*n), "timers saved for %d runs", 2*n)
}
