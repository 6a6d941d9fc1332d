package engine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// timerCountingStore counts the timers saved.
type timerCountingStore struct {
	enginestore.Store
	saves atomic.Int64
}

func (s *timerCountingStore) SaveTimer(ctx context.Context, t enginestore.TimerItem) error {
	s.saves.Add(1)
	return s.Store.SaveTimer(ctx, t)
}

// A released concurrency slot wakes one call parked on its key, not every
// parked call: a backlog of runs behind a limit of 1 saves a bounded number
// of timers per run (a wake-all re-parks the whole backlog at every release).
func TestReleasedSlotWakesOneParkedCall(t *testing.T) {
	t.Parallel()
	st := &timerCountingStore{Store: memstore.NewChecked()}
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
		require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	}
	require.LessOrEqual(t, st.saves.Load(), int64(4*2*n), "timers saved for %d runs", 2*n)
}

// A run cancelled while its parked call has just been woken passes the slot
// on: run 1 holds the only slot of its function; runs 2 and 3 park behind it.
// When run 1 returns, its slot wakes run 2's call, and in the same step run
// 1's function.finished event cancels run 2 (cancelOn) before that call
// starts: run 3 must get the slot and complete.
func TestCancelledWokenCallPassesSlotOn(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if ev, _ := c.Req["event"].(map[string]any); ev != nil {
			if data, _ := ev["data"].(map[string]any); data["victim"] != nil {
				<-release
			}
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("limited", map[string]any{
		"concurrency": []any{map[string]any{"limit": 1}},
		"cancel":      []any{map[string]any{"event": "inngest/function.finished", "if": "async.data.event.data.victim == event.data.k"}},
	}))
	first := h.send("test/limited", map[string]any{"victim": 2})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 })
	second := h.send("test/limited", map[string]any{"k": 2})
	third := h.send("test/limited", map[string]any{"k": 3})
	waitUntil(t, func() bool { return engine.QuietForTest(h.eng, 1) }) // runs 2 and 3 parked
	require.Len(t, h.app.Calls(), 1)
	close(release)

	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	for id, want := range map[string]runtype.Status{first: runtype.StatusCompleted, second: runtype.StatusCancelled, third: runtype.StatusCompleted} {
		runs, err := h.eng.WaitForEventRuns(ctx, id, 1)
		require.NoError(t, err)
		require.Equal(t, want, runs[0].Status, "run of %s", id)
	}
	require.Len(t, h.app.Calls(), 2, "run 2 was never called")
}
