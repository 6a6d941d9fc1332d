package engine_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// echo replies with the number of events and the first event's data.
func echo(c call) reply {
	ev := c.Req["event"].(map[string]any)
	return ok(string(mustJSON(map[string]any{"n_events": len(c.Req["events"].([]any)), "data": ev["data"]})))
}

func TestFlowIdempotencyAndRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	h.mustRegister(
		h.fn("idem", map[string]any{"idempotency": "event.data.user_id"}),
		h.fn("rl", map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "1h", "key": "event.data.user_id"}}),
	)
	a := h.send("test/idem", map[string]any{"user_id": "u1"})
	b := h.send("test/idem", map[string]any{"user_id": "u1"})
	c := h.send("test/idem", map[string]any{"user_id": "u2"})
	h.waitRuns(a, 1)
	h.waitRuns(c, 1)
	waitUntil(t, h.eng.Idle)
	require.Empty(t, must(h.eng.RunsForEvent(b)), "duplicate idempotency key starts nothing")

	r1 := h.send("test/rl", map[string]any{"user_id": "u1"})
	r2 := h.send("test/rl", map[string]any{"user_id": "u1"})
	h.waitRuns(r1, 1)
	waitUntil(t, h.eng.Idle)
	require.Empty(t, must(h.eng.RunsForEvent(r2)), "rate limited")
	h.clk.Advance(time.Hour + time.Second)
	r3 := h.send("test/rl", map[string]any{"user_id": "u1"})
	h.waitRuns(r3, 1)
}

func TestFlowDebounce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	h.mustRegister(h.fn("deb", map[string]any{"debounce": map[string]any{"key": "event.data.user_id", "period": "2s", "timeout": "10s"}}))
	first := h.send("test/deb", map[string]any{"user_id": "u1", "n": 1})
	last := h.send("test/deb", map[string]any{"user_id": "u1", "n": 2})
	h.clk.SetAutoAdvance(true)
	runs := h.waitRuns(last, 1)
	require.JSONEq(t, `{"n_events":1,"data":{"user_id":"u1","n":2}}`, string(runs[0].Output))
	require.Empty(t, must(h.eng.RunsForEvent(first)))
	require.Equal(t, t0.Add(2*time.Second+flow.DebounceDelay), runs[0].StartedAt)
}

func TestFlowBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	h.mustRegister(h.fn("batch", map[string]any{"batchEvents": map[string]any{"key": "event.data.user_id", "maxSize": 3, "timeout": "5s"}}))
	ids := []string{h.send("test/batch", map[string]any{"user_id": "u1", "n": 0}), h.send("test/batch", map[string]any{"user_id": "u1", "n": 1}),
		h.send("test/batch", map[string]any{"user_id": "u1", "n": 2})}
	runs := h.waitRuns(ids[0], 1)
	require.Equal(t, ids, runs[0].EventIDs)
	calls := h.app.Calls()
	require.Len(t, calls, 1)
	require.Len(t, calls[0].Req["events"], 3)
	require.Equal(t, calls[0].Req["events"].([]any)[0], calls[0].Req["event"])
	// A partial batch runs at the timeout.
	lone := h.send("test/batch", map[string]any{"user_id": "u2"})
	h.clk.SetAutoAdvance(true)
	runs = h.waitRuns(lone, 1)
	require.JSONEq(t, `{"n_events":1,"data":{"user_id":"u2"}}`, string(runs[0].Output))
	require.Equal(t, t0.Add(5*time.Second), runs[0].StartedAt)
}

func TestFlowThrottle(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var starts []time.Time
	var h *harness
	h = newHarness(t, engine.Options{}, func(c call) reply {
		mu.Lock()
		starts = append(starts, h.eng.Now())
		mu.Unlock()
		return ok(`1`)
	})
	h.mustRegister(h.fn("thr", map[string]any{"throttle": map[string]any{"limit": 1, "period": "1m", "key": "event.data.k"}}))
	a := h.send("test/thr", map[string]any{"k": "x"})
	b := h.send("test/thr", map[string]any{"k": "x"})
	h.waitRuns(a, 1)
	h.waitRuns(b, 1)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []time.Time{t0, t0.Add(time.Minute)}, starts)
}

// blockingApp holds calls of events whose data.block is true until released.
type blockingApp struct {
	mu      sync.Mutex
	order   []string
	release chan struct{}
}

func (b *blockingApp) handle(c call) reply {
	d := c.Req["event"].(map[string]any)["data"].(map[string]any)
	name, _ := d["name"].(string)
	b.mu.Lock()
	b.order = append(b.order, "start "+name)
	b.mu.Unlock()
	if d["block"] == true {
		<-b.release
	}
	b.mu.Lock()
	b.order = append(b.order, "end "+name)
	b.mu.Unlock()
	return ok(`1`)
}

func (b *blockingApp) started(name string) func() bool {
	return func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, o := range b.order {
			if o == "start "+name {
				return true
			}
		}
		return false
	}
}

func TestFlowConcurrencyAndPriority(t *testing.T) {
	t.Parallel()
	app := &blockingApp{release: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(app.release) }) }
	t.Cleanup(release)
	h := newHarness(t, engine.Options{}, app.handle)
	h.mustRegister(
		h.fn("conc", map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 1, "key": "event.data.user_id", "hash": ""}}}}),
		h.fn("prio", map[string]any{"concurrency": 1, "priority": map[string]any{"run": "event.data.p"}}),
	)
	a := h.send("test/conc", map[string]any{"user_id": "u1", "name": "a", "block": true})
	waitUntil(t, app.started("a"))
	other := h.send("test/conc", map[string]any{"user_id": "u2", "name": "other"})
	h.waitRuns(other, 1) // a different key is not limited
	b := h.send("test/conc", map[string]any{"user_id": "u1", "name": "b"})
	// Quiet with only a's call in flight: b's call has been tried and parked.
	waitUntil(t, func() bool { return h.eng.Quiet(1) })
	require.False(t, app.started("b")(), "b waits for a's slot")

	p0 := h.send("test/prio", map[string]any{"name": "p-first", "block": true})
	waitUntil(t, app.started("p-first"))
	pl := h.send("test/prio", map[string]any{"name": "p-low", "p": 0})
	ph := h.send("test/prio", map[string]any{"name": "p-high", "p": 100})
	// Both are parked behind p-first (a and p-first are in flight).
	waitUntil(t, func() bool { return h.eng.Quiet(2) })
	release()
	for _, id := range []string{a, b, p0, pl, ph} {
		h.waitRuns(id, 1)
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	pos := map[string]int{}
	for i, o := range app.order {
		pos[o] = i
	}
	require.Less(t, pos["end a"], pos["start b"])
	require.Less(t, pos["start p-high"], pos["start p-low"], "higher priority first")
}

func TestFlowCancelOn(t *testing.T) {
	t.Parallel()
	var cancelled = make(chan map[string]any, 1)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if c.FnID == "app-watch" {
			cancelled <- c.Req["event"].(map[string]any)
			return ok(`1`)
		}
		return ops(`{"op":"Sleep","id":"` + wire.HashID("s", 0) + `","name":"s","opts":{"duration":"1h"}}`)
	})
	h.mustRegister(
		h.fn("cancellable", map[string]any{"cancel": []any{map[string]any{"event": "test/stop", "if": "async.data.id == event.data.id", "timeout": "1d"}}}),
		h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.cancelled"}}}),
	)
	id := h.send("test/cancellable", map[string]any{"id": "x"})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	h.send("test/stop", map[string]any{"id": "other"})
	h.send("test/stop", map[string]any{"id": "x"})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCancelled, runs[0].Status)
	ev := <-cancelled
	require.Equal(t, "app-cancellable", ev["data"].(map[string]any)["function_id"])
	require.Len(t, h.app.Calls(), 2, "no more calls of the cancelled run")
}

func TestFlowSingletonAndTimeouts(t *testing.T) {
	t.Parallel()
	sleep := ops(`{"op":"Sleep","id":"` + wire.HashID("s", 0) + `","name":"s","opts":{"duration":"1h"}}`)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if len(c.steps()) == 0 {
			return sleep
		}
		return ok(`"done"`)
	})
	h.mustRegister(
		h.fn("skip", map[string]any{"Singleton": map[string]any{"key": "event.data.k", "mode": "skip"}}),
		h.fn("replace", map[string]any{"singleton": map[string]any{"key": "event.data.k", "mode": "cancel"}}),
		h.fn("finish", map[string]any{"timeouts": map[string]any{"finish": "10s"}}),
		h.fn("start", map[string]any{"timeouts": map[string]any{"start": "1m"}, "throttle": map[string]any{"limit": 1, "period": "1h"}}),
	)
	s1 := h.send("test/skip", map[string]any{"k": 1})
	s2 := h.send("test/skip", map[string]any{"k": 1})
	r1 := h.send("test/replace", map[string]any{"k": 1})
	waitUntil(t, h.eng.Idle)
	r2 := h.send("test/replace", map[string]any{"k": 1})
	f := h.send("test/finish", map[string]any{})
	st1 := h.send("test/start", map[string]any{})
	st2 := h.send("test/start", map[string]any{})
	waitUntil(t, h.eng.Idle)
	require.Len(t, must(h.eng.RunsForEvent(s1)), 1)
	require.Empty(t, must(h.eng.RunsForEvent(s2)), "singleton skip")
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(r1, 1)[0].Status, "singleton cancel replaces the old run")
	h.clk.SetAutoAdvance(true)
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(r2, 1)[0].Status)
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(f, 1)[0].Status, "finish timeout")
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(st1, 1)[0].Status)
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(st2, 1)[0].Status, "throttled past its start timeout")
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(s1, 1)[0].Status)
}

func TestCronTrigger(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0.Add(30 * time.Second))}, func(c call) reply {
		return ok(string(mustJSON(c.Req["event"])))
	})
	h.mustRegister(h.fn("cron", map[string]any{"triggers": []any{map[string]any{"cron": "* * * * *"}}}))
	h.clk.Advance(30 * time.Second)
	ctx := t.Context()
	require.NoError(t, h.eng.WaitFor(ctx, func(runs []runtype.Run) bool { return len(runs) == 1 && runs[0].Status.Done() }))
	run := must(h.eng.Runs())[0]
	var ev map[string]any
	require.NoError(t, json.Unmarshal(run.Output, &ev))
	require.Equal(t, "2026-11-26T20:59:00Z", ev["id"])
	require.Equal(t, "inngest/scheduled.timer", ev["name"])
	require.Equal(t, map[string]any{"cron": "* * * * *", "fireAt": "2026-11-26T20:59:00Z", "scheduledAt": "2026-11-26T20:59:00Z"}, ev["data"])
	require.EqualValues(t, t0.Add(time.Minute).UnixMilli(), ev["ts"])
}

func TestCronDoesNotBackfillMissedTicks(t *testing.T) {
	t.Parallel()
	start := t0.Add(30 * time.Second) // 20:58:30, the first tick is 20:59:00
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(start)}, func(c call) reply {
		return ok(string(mustJSON(c.Req["event"])))
	})
	h.mustRegister(h.fn("cron", map[string]any{"triggers": []any{map[string]any{"cron": "* * * * *"}}}))
	ctx := t.Context()
	done := func(n int) func(runs []runtype.Run) bool {
		return func(runs []runtype.Run) bool {
			if len(runs) != n {
				return false
			}
			for _, r := range runs {
				if !r.Status.Done() {
					return false
				}
			}
			return true
		}
	}
	fireAt := func(r runtype.Run) string {
		var ev struct {
			Data struct {
				FireAt string `json:"fireAt"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(r.Output, &ev))
		return ev.Data.FireAt
	}

	// A 7-day jump misses 10 080 ticks: only the overdue one fires.
	h.clk.Advance(7 * 24 * time.Hour)
	require.NoError(t, h.eng.WaitFor(ctx, done(1)))
	waitUntil(t, h.eng.Idle)
	runs := must(h.eng.Runs())
	require.Len(t, runs, 1, "missed ticks are not backfilled")
	require.Equal(t, "2026-11-26T20:59:00Z", fireAt(runs[0]))

	// The schedule continues from now: the next tick is the next minute.
	h.clk.Advance(30 * time.Second)
	require.NoError(t, h.eng.WaitFor(ctx, done(2)))
	waitUntil(t, h.eng.Idle)
	runs = must(h.eng.Runs())
	require.Len(t, runs, 2)
	require.Equal(t, "2026-12-03T20:59:00Z", fireAt(runs[1]))
}

func TestCronJumpOntoATick(t *testing.T) {
	t.Parallel()
	// Jumping from 20:58:30 to exactly 21:01:00: the overdue 20:59 tick fires
	// once (20:59 and 21:00 are not backfilled) and 21:01, due now, fires too.
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0.Add(30 * time.Second))}, func(c call) reply {
		return ok(string(mustJSON(c.Req["event"])))
	})
	h.mustRegister(h.fn("cron", map[string]any{"triggers": []any{map[string]any{"cron": "* * * * *"}}}))
	h.clk.Advance(2*time.Minute + 30*time.Second)
	require.NoError(t, h.eng.WaitFor(t.Context(), func(runs []runtype.Run) bool {
		return len(runs) == 2 && runs[0].Status.Done() && runs[1].Status.Done()
	}))
	waitUntil(t, h.eng.Idle)
	var got []string
	for _, r := range must(h.eng.Runs()) {
		var ev struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(r.Output, &ev))
		got = append(got, ev.ID)
	}
	require.Equal(t, []string{"2026-11-26T20:59:00Z", "2026-11-26T21:01:00Z"}, got)
}
