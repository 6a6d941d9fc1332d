package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// With every call slot taken by slow calls and more calls waiting for a slot,
// a due sleep, a wait timeout and a cron tick still fire on time.
func TestCallSlotShortageDoesNotDelayTimers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 8)
	nap := wire.HashID("nap", 0)
	wait := wire.HashID("wait", 0)
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk, MaxConcurrentCalls: 1}, func(c call) reply {
		switch c.FnID {
		case "app-slow":
			entered <- struct{}{}
			<-release
			return ok(`"slow"`)
		case "app-napper":
			if _, done := c.steps()[nap]; done {
				return ok(`"rested"`)
			}
			return ops(`{"op":"Sleep","id":"` + nap + `","name":"nap","opts":{"duration":"1m"}}`)
		case "app-waiter":
			if _, done := c.steps()[wait]; done {
				return ok(`"gave up"`)
			}
			return ops(`{"op":"WaitForEvent","id":"` + wait + `","name":"wait","opts":{"event":"test/never","timeout":"1m"}}`)
		}
		return ok(`null`)
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	h.mustRegister(h.fn("slow", nil), h.fn("napper", nil), h.fn("waiter", nil),
		h.fn("ticker", map[string]any{"triggers": []any{map[string]any{"cron": "* * * * *"}}}))

	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	napID := h.send("test/napper", nil)
	waitID := h.send("test/waiter", nil)
	require.NoError(t, h.eng.WaitFor(ctx, func(runs []runtype.Run) bool {
		paused := 0
		for _, r := range runs {
			for _, hi := range r.History {
				if hi.Kind == "sleep" || hi.Kind == "wait" {
					paused++
					break
				}
			}
		}
		return paused == 2 && h.eng.Idle()
	}))

	// One slow call takes the only slot; two more wait for it.
	for range 3 {
		h.send("test/slow", nil)
	}
	<-entered
	clk.Advance(time.Minute)

	require.NoError(t, h.eng.WaitFor(ctx, func(runs []runtype.Run) bool {
		slept, timedOut, ticked := false, false, false
		for _, r := range runs {
			switch {
			case len(r.EventIDs) > 0 && r.EventIDs[0] == napID:
				for _, s := range r.Steps {
					slept = slept || (s.ID == nap && s.Done)
				}
			case len(r.EventIDs) > 0 && r.EventIDs[0] == waitID:
				for _, s := range r.Steps {
					timedOut = timedOut || (s.ID == wait && s.Done)
				}
			case r.FunctionID == "app-ticker":
				ticked = true
			}
		}
		return slept && timedOut && ticked
	}), "timers stayed behind the calls waiting for a slot")

	close(release)
	for _, id := range []string{napID, waitID} {
		runs := h.waitRuns(id, 1)
		require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	}
}
