package engine_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// restartable is a harness on a SQLite store that can restart its engine
// (a new engine on the same store and clock, as after a crash: nothing in
// memory survives).
type restartable struct {
	*harness
	st  *sqlitestore.Store
	eng *engine.Engine // the engine in use
}

func newRestartable(t *testing.T, handler func(c call) reply) *restartable {
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	h := newHarness(t, engine.Options{Store: st, Clock: engine.NewVirtualClock(t0)}, handler)
	return &restartable{harness: h, st: st, eng: h.eng}
}

func (r *restartable) restart(t *testing.T) {
	require.NoError(t, r.eng.Close())
	eng, err := engine.New(engine.Options{Store: r.st, Clock: r.clk, RetryBackoff: func(int) time.Duration { return 34 * time.Second }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	r.eng = eng
}

// sendTo sends one event through the current engine's Go API.
func (r *restartable) sendTo(t *testing.T, name string, data any) string {
	ids, err := r.eng.SendJSON(t.Context(), mustJSON(map[string]any{"name": name, "data": data}))
	require.NoError(t, err)
	return ids[0]
}

func (r *restartable) runsOf(t *testing.T, id string) []runtype.Run {
	waitUntil(t, r.eng.Idle)
	return must(r.eng.RunsForEvent(id))
}

func (r *restartable) waitDone(t *testing.T, id string, n int) []runtype.Run {
	ctx, cancel := context.WithTimeout(t.Context(), waitBound)
	defer cancel()
	runs, err := r.eng.WaitForEventRuns(ctx, id, n)
	require.NoError(t, err)
	return runs
}

// sleepy sleeps for an hour in its first step, then echoes.
func sleepy(c call) reply {
	nap := wire.HashID("nap", 0)
	if _, ok := c.steps()[nap]; !ok {
		return ops(`{"op":"Sleep","id":"` + nap + `","name":"nap","opts":{"duration":"1h"}}`)
	}
	return echo(c)
}

func TestFlowStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      map[string]any
		handler func(call) reply
		// before sends events to the first engine; after, to the restarted
		// one, and checks the outcome.
		before func(t *testing.T, r *restartable) []string
		after  func(t *testing.T, r *restartable, before []string)
	}{
		{
			name: "debounce buffer",
			fn:   map[string]any{"debounce": map[string]any{"period": "2s"}},
			before: func(t *testing.T, r *restartable) []string {
				return []string{r.sendTo(t, "test/f", map[string]any{"n": 1})}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				r.clk.SetAutoAdvance(true)
				runs := r.waitDone(t, before[0], 1)
				require.JSONEq(t, `{"n_events":1,"data":{"n":1}}`, string(runs[0].Output))
			},
		},
		{
			// A restored series keeps taking events until it closes
			// (DebounceDelay before it fires), as before the restart.
			name: "debounce series restored open",
			fn:   map[string]any{"debounce": map[string]any{"period": "2s"}},
			before: func(t *testing.T, r *restartable) []string {
				return []string{r.sendTo(t, "test/f", map[string]any{"n": 1})}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				r.clk.Advance(time.Second)
				second := r.sendTo(t, "test/f", map[string]any{"n": 2})
				r.clk.SetAutoAdvance(true)
				runs := r.waitDone(t, second, 1)
				require.JSONEq(t, `{"n_events":1,"data":{"n":2}}`, string(runs[0].Output))
				require.Empty(t, r.runsOf(t, before[0]), "the second event joined the restored series")
			},
		},
		{
			// When a closed series fires while a newer one of the same key
			// waits, the newer one's record stays.
			name: "debounce newer series of a fired key",
			fn:   map[string]any{"debounce": map[string]any{"period": "2s"}},
			before: func(t *testing.T, r *restartable) []string {
				first := r.sendTo(t, "test/f", map[string]any{"n": 1})
				r.clk.Advance(2500 * time.Millisecond) // the first series closed at 2 s, fires at 3.05 s
				second := r.sendTo(t, "test/f", map[string]any{"n": 2})
				r.clk.Advance(time.Second)
				r.waitDone(t, first, 1)
				return []string{first, second}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				r.clk.SetAutoAdvance(true)
				runs := r.waitDone(t, before[1], 1)
				require.JSONEq(t, `{"n_events":1,"data":{"n":2}}`, string(runs[0].Output))
			},
		},
		{
			name: "batch buffer",
			fn:   map[string]any{"batchEvents": map[string]any{"maxSize": 3, "timeout": "5s"}},
			before: func(t *testing.T, r *restartable) []string {
				return []string{r.sendTo(t, "test/f", map[string]any{"n": 1}), r.sendTo(t, "test/f", map[string]any{"n": 2})}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				third := r.sendTo(t, "test/f", map[string]any{"n": 3})
				runs := r.waitDone(t, third, 1)
				require.JSONEq(t, `{"n_events":3,"data":{"n":1}}`, string(runs[0].Output), "the batch kept the events of before the restart")
				require.Equal(t, t0, runs[0].StartedAt, "the batch filled up: it did not wait for its timeout")
			},
		},
		{
			name: "rate limit",
			fn:   map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "1h"}},
			before: func(t *testing.T, r *restartable) []string {
				id := r.sendTo(t, "test/f", map[string]any{"n": 1})
				r.waitDone(t, id, 1)
				return nil
			},
			after: func(t *testing.T, r *restartable, _ []string) {
				id := r.sendTo(t, "test/f", map[string]any{"n": 2})
				require.Empty(t, r.runsOf(t, id), "rate limited across the restart")
			},
		},
		{
			name: "idempotency key",
			fn:   map[string]any{"idempotency": "event.data.user"},
			before: func(t *testing.T, r *restartable) []string {
				id := r.sendTo(t, "test/f", map[string]any{"user": "u1"})
				r.waitDone(t, id, 1)
				return nil
			},
			after: func(t *testing.T, r *restartable, _ []string) {
				id := r.sendTo(t, "test/f", map[string]any{"user": "u1"})
				require.Empty(t, r.runsOf(t, id), "the key was seen before the restart")
				other := r.sendTo(t, "test/f", map[string]any{"user": "u2"})
				r.waitDone(t, other, 1)
			},
		},
		{
			name: "throttle",
			fn:   map[string]any{"throttle": map[string]any{"limit": 1, "period": "1h"}},
			before: func(t *testing.T, r *restartable) []string {
				id := r.sendTo(t, "test/f", map[string]any{"n": 1})
				r.waitDone(t, id, 1)
				return nil
			},
			after: func(t *testing.T, r *restartable, _ []string) {
				id := r.sendTo(t, "test/f", map[string]any{"n": 2})
				runs := r.runsOf(t, id)
				require.Len(t, runs, 1)
				require.Equal(t, runtype.StatusQueued, runs[0].Status, "throttled across the restart: it starts in an hour")
				r.clk.SetAutoAdvance(true)
				runs = r.waitDone(t, id, 1)
				require.Equal(t, runtype.StatusCompleted, runs[0].Status)
				require.Equal(t, t0.Add(time.Hour), runs[0].History[1].Time, "the first call waited for the throttle")
			},
		},
		{
			name:    "singleton",
			fn:      map[string]any{"singleton": map[string]any{"mode": "skip"}},
			handler: sleepy,
			before: func(t *testing.T, r *restartable) []string {
				id := r.sendTo(t, "test/f", map[string]any{"n": 1})
				waitUntil(t, func() bool {
					runs := must(r.eng.RunsForEvent(id))
					return len(runs) == 1 && len(runs[0].Steps) == 1 && r.eng.Idle()
				})
				return []string{id}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				id := r.sendTo(t, "test/f", map[string]any{"n": 2})
				require.Empty(t, r.runsOf(t, id), "the sleeping run still holds the singleton")
				r.clk.SetAutoAdvance(true)
				r.waitDone(t, before[0], 1)
				again := r.sendTo(t, "test/f", map[string]any{"n": 3})
				r.waitDone(t, again, 1)
			},
		},
		{
			// A started run holds its run-level slot across the restart
			// (rebuilt from the stored runs), so the queued run still waits.
			name:    "run concurrency",
			fn:      map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 1}}}},
			handler: sleepy,
			before: func(t *testing.T, r *restartable) []string {
				first := r.sendTo(t, "test/f", map[string]any{"n": 1})
				waitUntil(t, func() bool {
					runs := must(r.eng.RunsForEvent(first))
					return len(runs) == 1 && len(runs[0].Steps) == 1 && r.eng.Idle()
				})
				second := r.sendTo(t, "test/f", map[string]any{"n": 2})
				runs := r.runsOf(t, second)
				require.Len(t, runs, 1)
				require.Equal(t, runtype.StatusQueued, runs[0].Status, "the sleeping run holds the only slot")
				return []string{first, second}
			},
			after: func(t *testing.T, r *restartable, before []string) {
				runs := r.runsOf(t, before[1])
				require.Len(t, runs, 1)
				require.Equal(t, runtype.StatusQueued, runs[0].Status, "the restored sleeping run still holds the only slot")
				require.Zero(t, runs[0].Calls)
				r.clk.SetAutoAdvance(true)
				first := r.waitDone(t, before[0], 1)[0]
				second := r.waitDone(t, before[1], 1)[0]
				require.Equal(t, runtype.StatusCompleted, second.Status)
				require.False(t, second.EndedAt.Before(first.EndedAt.Add(time.Hour)), "the second run slept only after the first ended")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			handler := tt.handler
			if handler == nil {
				handler = echo
			}
			r := newRestartable(t, handler)
			fn := r.fn("f", tt.fn)
			r.mustRegister(fn)
			before := tt.before(t, r)
			r.restart(t)
			tt.after(t, r, before)
		})
	}
}

func TestResyncKeepsFlowStateOfUnchangedFunctions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	fns := func(otherName string) []map[string]any {
		return []map[string]any{
			h.fn("rl", map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "1h"}}),
			h.fn("deb", map[string]any{"debounce": map[string]any{"period": "2s"}}),
			h.fn("other", map[string]any{"name": otherName}),
		}
	}
	h.mustRegister(fns("one")...)
	first := h.send("test/rl", map[string]any{"n": 1})
	h.waitRuns(first, 1)
	deb := h.send("test/deb", map[string]any{"n": 1})

	h.mustRegister(fns("two")...) // only "other" changed
	second := h.send("test/rl", map[string]any{"n": 2})
	waitUntil(t, h.eng.Idle)
	require.Empty(t, must(h.eng.RunsForEvent(second)), "the rate limit's state survived the re-sync")
	h.clk.SetAutoAdvance(true)
	runs := h.waitRuns(deb, 1)
	require.JSONEq(t, `{"n_events":1,"data":{"n":1}}`, string(runs[0].Output), "the debounced event survived the re-sync")
}

func TestResyncKeepsCallsInFlightWithinConcurrency(t *testing.T) {
	t.Parallel()
	for _, changed := range []bool{false, true} {
		name := "function unchanged"
		if changed {
			name = "function changed"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			inFlight, most := 0, 0
			entered := make(chan struct{}, 4)
			release := make(chan struct{})
			var releaseOnce sync.Once
			var probes atomic.Int32
			h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
				if c.FnID == "app-probe" {
					probes.Add(1)
					return ok(`"probe"`)
				}
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				mu.Unlock()
				entered <- struct{}{}
				<-release
				mu.Lock()
				inFlight--
				mu.Unlock()
				return ok(`"done"`)
			})
			// Registered after the harness, so it runs before the app closes.
			t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
			fns := func(version string) []map[string]any {
				conc := map[string]any{"concurrency": []any{map[string]any{"limit": 1}}}
				probe := map[string]any{}
				if changed {
					conc["name"] = "conc " + version
				} else {
					probe["name"] = "probe " + version
				}
				return []map[string]any{h.fn("conc", conc), h.fn("probe", probe)}
			}
			h.mustRegister(fns("1")...)
			a := h.send("test/conc", map[string]any{"n": 1})
			<-entered

			h.mustRegister(fns("2")...)
			b := h.send("test/conc", map[string]any{"n": 2})
			// The probe's call is due after b's first call: once the probe
			// has run, b's call was either started or parked.
			p := h.send("test/probe", map[string]any{})
			h.waitRuns(p, 1)
			runs := must(h.eng.RunsForEvent(b))
			require.Len(t, runs, 1)
			require.Equal(t, runtype.StatusQueued, runs[0].Status, "b's call started while a's call held the only slot")

			releaseOnce.Do(func() { close(release) })
			h.waitRuns(a, 1)
			h.waitRuns(b, 1)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, 1, most, "calls in flight at once")
		})
	}
}

func TestResyncOfAChangedFunctionKeepsItsBufferedEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	fns := func(version string, withDebounce bool) []map[string]any {
		deb := map[string]any{"name": "deb " + version, "debounce": map[string]any{"period": "2s"}}
		gone := map[string]any{"name": "gone " + version}
		if withDebounce {
			gone["debounce"] = map[string]any{"period": "1h"}
		}
		bat := map[string]any{"name": "bat " + version, "batchEvents": map[string]any{"maxSize": 3, "timeout": "1h"}}
		return []map[string]any{h.fn("deb", deb), h.fn("gone", gone), h.fn("bat", bat)}
	}
	h.mustRegister(fns("1", true)...)
	deb := h.send("test/deb", map[string]any{"n": 1})
	gone := h.send("test/gone", map[string]any{"n": 2})
	b1 := h.send("test/bat", map[string]any{"n": 3})
	h.send("test/bat", map[string]any{"n": 4})

	// Every function changes; "gone" no longer debounces.
	h.mustRegister(fns("2", false)...)
	runs := h.waitRuns(gone, 1)
	require.Equal(t, t0, runs[0].StartedAt, "the debounced event of a function that no longer debounces starts at once")
	b3 := h.send("test/bat", map[string]any{"n": 5})
	runs = h.waitRuns(b1, 1)
	require.Equal(t, []string{b1}, runs[0].EventIDs[:1])
	require.Len(t, runs[0].EventIDs, 3, "the open batch kept its events")
	require.Equal(t, b3, runs[0].EventIDs[2])
	h.clk.SetAutoAdvance(true)
	runs = h.waitRuns(deb, 1)
	require.JSONEq(t, `{"n_events":1,"data":{"n":1}}`, string(runs[0].Output), "the debounced event survived the change")
}

func TestResyncOfAChangedSingletonKeepsItsRunningRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, sleepy)
	fn := func(version string) map[string]any {
		return h.fn("one", map[string]any{"name": "one " + version, "singleton": map[string]any{"mode": "skip"}})
	}
	h.mustRegister(fn("1"))
	first := h.send("test/one", map[string]any{"n": 1})
	waitUntil(t, func() bool {
		runs := must(h.eng.RunsForEvent(first))
		return len(runs) == 1 && len(runs[0].Steps) == 1 && h.eng.Idle()
	})
	h.mustRegister(fn("2"))
	second := h.send("test/one", map[string]any{"n": 2})
	waitUntil(t, h.eng.Idle)
	require.Empty(t, must(h.eng.RunsForEvent(second)), "the sleeping run of the previous version still holds the singleton")
}

func TestResyncKeepsTheStateOfUnchangedOptions(t *testing.T) {
	t.Parallel()
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	h := newHarness(t, engine.Options{Store: st, Clock: engine.NewVirtualClock(t0)}, echo)
	fn := func(name string, limit int) map[string]any {
		return h.fn("rl", map[string]any{"name": name, "rateLimit": map[string]any{"limit": limit, "period": "1h"}})
	}
	h.mustRegister(fn("one", 1))
	h.waitRuns(h.send("test/rl", map[string]any{"n": 1}), 1)

	// The function changes, its rate limit does not: still limited, also
	// after a restart.
	h.mustRegister(fn("two", 1))
	second := h.send("test/rl", map[string]any{"n": 2})
	waitUntil(t, h.eng.Idle)
	require.Empty(t, must(h.eng.RunsForEvent(second)), "the rate limit's state survived a change of the function's name")
	require.NoError(t, h.eng.Close())
	eng, err := engine.New(engine.Options{Store: st, Clock: h.clk})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	ids, err := eng.SendJSON(t.Context(), mustJSON(map[string]any{"name": "test/rl", "data": map[string]any{"n": 3}}))
	require.NoError(t, err)
	waitUntil(t, eng.Idle)
	require.Empty(t, must(eng.RunsForEvent(ids[0])), "and the restart")
}

func TestResyncResetsTheStateOfAChangedOption(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, echo)
	fn := func(limit int) map[string]any {
		return h.fn("rl", map[string]any{"rateLimit": map[string]any{"limit": limit, "period": "1h"}})
	}
	h.mustRegister(fn(1))
	h.waitRuns(h.send("test/rl", map[string]any{"n": 1}), 1)
	h.mustRegister(fn(2))
	h.waitRuns(h.send("test/rl", map[string]any{"n": 2}), 1)
}
