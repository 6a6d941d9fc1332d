package engine_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// slotsTaken returns a harness whose only call slot is held by a blocked call
// (released at cleanup or by calling release).
func slotsTaken(t *testing.T) (h *harness, app *blockingApp, release func()) {
	t.Helper()
	return slotsTakenWith(t, nil)
}

// slotsTakenWith is slotsTaken on store st (nil: a memstore.Store).
func slotsTakenWith(t *testing.T, st enginestore.Store) (h *harness, app *blockingApp, release func()) {
	t.Helper()
	app = &blockingApp{release: make(chan struct{})}
	var once sync.Once
	release = func() { once.Do(func() { close(app.release) }) }
	h = newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0), MaxConcurrentCalls: 1, Store: st}, app.handle)
	t.Cleanup(release) // before the harness's cleanup, which waits for calls
	h.mustRegister(h.fn("work", map[string]any{"priority": map[string]any{"run": "event.data.p"}}))
	h.send("test/work", map[string]any{"name": "first", "block": true})
	waitUntil(t, app.started("first"))
	return h, app, release
}

// With every call slot taken, a scheduler pass does not touch the calls
// waiting for a slot: its queue operations do not grow with the backlog.
func TestSlotsFullPassCostIndependentOfBacklog(t *testing.T) {
	t.Parallel()
	for _, backlog := range []int{10, 200} {
		t.Run(strconv.Itoa(backlog), func(t *testing.T) {
			t.Parallel()
			h, _, release := slotsTaken(t)
			ids := make([]string, 0, backlog)
			for i := range backlog {
				ids = append(ids, h.send("test/work", map[string]any{"name": "w" + strconv.Itoa(i)}))
			}
			waitUntil(t, func() bool { return h.eng.Quiet(1) })
			for range 3 {
				require.LessOrEqual(t, engine.SchedulerPassForTest(h.eng), uint64(2), "a pass with slots full touched the waiting calls")
			}
			release()
			for _, id := range ids {
				require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
			}
		})
	}
}

// Calls waiting for a slot start in queue order: by due time, then higher
// priority first, then first queued first.
func TestWaitingCallsStartInQueueOrder(t *testing.T) {
	t.Parallel()
	h, app, release := slotsTaken(t)
	want := []string{"high", "mid", "low-1", "low-2", "low-3"}
	var ids []string
	for _, ev := range []struct {
		name string
		p    int
	}{{"low-1", 0}, {"mid", 50}, {"low-2", 0}, {"high", 100}, {"low-3", 0}} {
		ids = append(ids, h.send("test/work", map[string]any{"name": ev.name, "p": ev.p}))
		if ev.name == "mid" {
			// A pass sets the first two aside before the others are queued.
			waitUntil(t, func() bool { return h.eng.Quiet(1) })
		}
	}
	waitUntil(t, func() bool { return h.eng.Quiet(1) })
	release()
	for _, id := range ids {
		h.waitRuns(id, 1)
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	var got []string
	for _, o := range app.order {
		if o[:6] == "start " && o != "start first" {
			got = append(got, o[6:])
		}
	}
	require.Equal(t, want, got)
}

// Cancelling a run whose call waits for a slot drops the call: it is never
// made once the slot frees.
func TestCancelledWaitingCallDropped(t *testing.T) {
	t.Parallel()
	h, app, release := slotsTaken(t)
	victim := h.send("test/work", map[string]any{"name": "victim"})
	after := h.send("test/work", map[string]any{"name": "after"})
	waitUntil(t, func() bool { return len(must(h.eng.RunsForEvent(victim))) == 1 && h.eng.Quiet(1) })
	require.NoError(t, h.eng.CancelRun(context.Background(), must(h.eng.RunsForEvent(victim))[0].ID))
	require.LessOrEqual(t, engine.SchedulerPassForTest(h.eng), uint64(2))
	release()
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(after, 1)[0].Status)
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(victim, 1)[0].Status)
	require.False(t, app.started("victim")(), "the cancelled run's waiting call was made")
}

// A cancellation of a run whose call waits for a slot that rolls back leaves
// the call waiting: it is made once the slot frees.
func TestRolledBackCancelKeepsWaitingCall(t *testing.T) {
	t.Parallel()
	st := newFlakyTxStore(t)
	h, app, release := slotsTakenWith(t, st)
	victim := h.send("test/work", map[string]any{"name": "victim"})
	waitUntil(t, func() bool { return len(must(h.eng.RunsForEvent(victim))) == 1 && h.eng.Quiet(1) })
	st.failRuns.Store(1)
	require.Error(t, h.eng.CancelRun(context.Background(), must(h.eng.RunsForEvent(victim))[0].ID))
	waitUntil(t, func() bool { return h.eng.Quiet(1) })
	require.False(t, engine.QuietForTest(h.eng, 1), "the call is due again, waiting for the slot")
	release()
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(victim, 1)[0].Status)
	require.True(t, app.started("victim")())
}
