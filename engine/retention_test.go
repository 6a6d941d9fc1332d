package engine_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Finished runs are deleted once Options.Retention has passed since they
// ended, events once it (and at least a day) has passed since receipt; a run
// still sleeping is kept. A negative retention keeps everything. The same
// with SQLite, whose run cache must drop what pruning deletes.
func TestRetention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		retention time.Duration
		after     time.Duration // clock moves after both runs exist
		pruned    bool
	}{
		{"default keeps a day", 0, 23 * time.Hour, false},
		{"default prunes after a day", 0, 25 * time.Hour, true},
		{"short retention", 2 * time.Hour, 3 * time.Hour, true},
		{"short retention, events after a day", 2 * time.Hour, 25 * time.Hour, true},
		{"negative keeps everything", -1, 30 * 24 * time.Hour, false},
	}
	stores := []struct {
		name string
		open func(t *testing.T) enginestore.Store
	}{
		{"memory", func(*testing.T) enginestore.Store { return memstore.NewChecked() }},
		{"sqlite", func(t *testing.T) enginestore.Store {
			st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
	for _, store := range stores {
		for _, tt := range tests {
			t.Run(store.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				testRetention(t, store.open(t), tt.retention, tt.after, tt.pruned)
			})
		}
	}
}

func testRetention(t *testing.T, st enginestore.Store, retention, after time.Duration, pruned bool) {
	nap := wire.HashID("nap", 0)
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk, Store: st, Retention: retention}, func(c call) reply {
		if c.FnID == "app-sleeper" {
			return ops(`{"op":"Sleep","id":"` + nap + `","name":"nap","opts":{"duration":"60d"}}`)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("quick", nil), h.fn("sleeper", nil))
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	quickEv := h.send("test/quick", nil)
	done := h.waitRuns(quickEv, 1)[0]
	sleepEv := h.send("test/sleeper", nil)
	require.NoError(t, h.eng.WaitFor(ctx, func(runs []runtype.Run) bool {
		return len(runs) == 2 && engine.QuietForTest(h.eng, 0)
	}))
	var sleeping runtype.Run
	for _, r := range must(h.eng.Runs()) {
		if r.FunctionID == "app-sleeper" {
			sleeping = r
		}
	}
	require.Equal(t, runtype.StatusRunning, sleeping.Status)

	clk.Advance(after)
	gone := func() bool {
		_, err := h.eng.Run(done.ID)
		return errors.Is(err, engine.ErrRunNotFound)
	}
	if pruned {
		require.Eventually(t, gone, waitBound, time.Millisecond)
		st, _ := h.get("/v1/runs/" + done.ID)
		require.Equal(t, http.StatusNotFound, st)
		require.Empty(t, must(h.eng.RunsForEvent(quickEv)))
	} else {
		// Pruning runs in the scheduler loop: wait until it went round
		// after the move (a new event is handled by it), then check.
		again := h.send("test/quick", nil)
		h.waitRuns(again, 1)
		require.False(t, gone())
	}
	_, err := h.eng.Run(sleeping.ID)
	require.NoError(t, err, "a run that has not finished is never pruned")
	eventPruned := after >= 24*time.Hour && retention >= 0
	if eventPruned {
		// Events are pruned after runs, outside the engine's lock.
		require.Eventually(t, func() bool {
			_, err := st.Event(ctx, sleepEv)
			return errors.Is(err, enginestore.ErrNotFound)
		}, waitBound, time.Millisecond)
	} else {
		_, err = st.Event(ctx, sleepEv)
		require.NoError(t, err)
	}
}
