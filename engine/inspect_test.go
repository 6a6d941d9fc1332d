package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestInspectAPI checks the read and action methods tools such as the web UI
// use: Apps (with last sync and flow control), Events (newest first), Event,
// CancelRun, Rerun, Clock and RequiresKey.
func TestInspectAPI(t *testing.T) {
	t.Parallel()
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk}, func(c call) reply {
		if c.FnID == "app-sleepy" {
			return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"1h"}}`)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("quick", map[string]any{"throttle": map[string]any{"limit": 5, "period": "1m"}}), h.fn("sleepy", nil))
	require.Same(t, clk, h.eng.Clock())
	require.False(t, h.eng.RequiresKey())

	apps := must(h.eng.Apps())
	require.Len(t, apps, 1)
	require.Equal(t, t0, apps[0].SyncedAt)
	require.Len(t, apps[0].Functions, 2)
	quickFn := apps[0].Functions[0]
	require.Equal(t, "app-quick", quickFn.ID)
	require.Equal(t, []engine.TriggerInfo{{Event: "test/quick"}}, quickFn.Triggers)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(quickFn.Config, &cfg))
	require.Contains(t, cfg, "throttle")
	require.NotContains(t, cfg, "steps")

	first := h.send("test/quick", map[string]any{"n": 1})
	done := h.waitRuns(first, 1)[0]
	clk.Advance(time.Second)
	second := h.send("test/sleepy", map[string]any{"n": 2})
	waitUntil(t, func() bool { return len(must(h.eng.RunsForEvent(second))) == 1 && h.eng.Idle() })

	evs := must(h.eng.Events(10))
	require.Len(t, evs, 2)
	require.Equal(t, second, evs[0].ID, "newest first")
	require.Equal(t, first, evs[1].ID)
	require.Len(t, must(h.eng.Events(1)), 1)
	ev, err := h.eng.Event(first)
	require.NoError(t, err)
	require.Equal(t, "test/quick", ev.Name)

	ctx := context.Background()
	sleeping := must(h.eng.RunsForEvent(second))[0]
	require.NoError(t, h.eng.CancelRun(ctx, sleeping.ID))
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(second, 1)[0].Status)
	require.ErrorIs(t, h.eng.CancelRun(ctx, "01M8KMTE317KXQRV4GJHDYMEV8"), engine.ErrRunNotFound)

	again, err := h.eng.Rerun(ctx, done.ID)
	require.NoError(t, err)
	require.NotEqual(t, done.ID, again.ID)
	require.Equal(t, done.EventIDs, again.EventIDs)
	fin, err := h.eng.WaitForRun(ctx, again.ID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, fin.Status)
	_, err = h.eng.Rerun(ctx, "01M8KMTE317KXQRV4GJHDYMEV8")
	require.ErrorIs(t, err, engine.ErrRunNotFound)
}
