// Package storetest is the conformance suite of enginestore.Store: every store
// implementation runs it (engine/memstore and engine/sqlitestore
// do) to show that it keeps what the engine relies on, before and after the
// store is reopened.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) (enginestore.Store, func() enginestore.Store) { ... })
//	}
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// t0 is the base time of the fixtures (UTC, with nanoseconds).
var t0 = time.Date(2026, 11, 26, 20, 58, 0, 123456789, time.UTC)

// Opener opens a new, empty store for one test and returns it with a
// function that reopens it: a store kept in a file closes and reopens the
// file, an in-memory store returns itself. Run calls reopen at most once per
// store; the store reopen returns is closed by the Opener's t.Cleanup, if it
// needs closing.
type Opener func(t *testing.T) (st enginestore.Store, reopen func() enginestore.Store)

// behaviour is one conformance case: setup writes (and checks what writing
// returns), check reads; check runs once before and once after a reopen, so
// it must not change the store.
type behaviour struct {
	name  string
	setup func(t *testing.T, st enginestore.Store)
	check func(t *testing.T, st enginestore.Store)
}

// FullRun returns a run with every field of enginestore.RunRecord set, triggered by
// events with the IDs eventIDs, started at 2026-11-26T20:58:00.123456789Z: a store that keeps it keeps
// every field.
func FullRun(id string, eventIDs ...string) *enginestore.RunRecord {
	evs := make([]json.RawMessage, len(eventIDs))
	for i, e := range eventIDs {
		evs[i] = json.RawMessage(fmt.Sprintf(`{"data":{"n":%d},"id":%q,"name":"app/x","ts":1,"user":{}}`, i, e))
	}
	return &enginestore.RunRecord{
		Run: runtype.Run{
			ID: id, AppID: "app", FunctionID: "app-fn", FunctionUUID: "9f0c0f36-7f4e-4cb3-a0bb-0c5d0c0a0a01",
			Status: runtype.StatusRunning, Output: json.RawMessage(`{ "spaced" : "<&>" }`),
			Error:    &runtype.RunError{Name: "Error", Message: "boom", NoRetry: true},
			EventIDs: eventIDs, Events: evs, StartedAt: t0, EndedAt: t0.Add(time.Second),
			Steps: []runtype.Step{
				{ID: "h1", Name: "a", Op: "StepRun", Attempts: 1, Result: json.RawMessage(`{"data":1}`), Done: true},
				{ID: "h2", Name: "b", Op: "StepFailed", Attempts: 3, Error: &runtype.StepError{Name: "E", Message: "m", Stack: "s", Data: json.RawMessage(`{"x":1}`)},
					LastError: &runtype.StepError{Name: "E", Message: "m"}, Race: true},
			},
			History: []runtype.HistoryItem{{Time: t0, Kind: "call", StepID: "step", Status: 206, Detail: "d"},
				{Time: t0, Kind: "ops", StepID: "step", Status: 206, Transport: runtype.TransportConnect, ConnectionID: "c1", InstanceID: "i1"}},
			Calls:       2,
			Attempts:    1,
			MaxAttempts: 4,
			ParentRunID: "parent",
			Waits:       []runtype.WaitInfo{{StepID: "h4", Event: "app/y", If: "async.data.n == 1", Expires: t0.Add(time.Hour)}},
		},
		Memo:          []enginestore.MemoEntry{{ID: "h1", Value: json.RawMessage(`{"data":1}`)}, {ID: "h3", Value: json.RawMessage(`null`)}},
		Version:       2,
		ForcePlan:     true,
		Pending:       1,
		GroupTargeted: true,
		Started:       true,
		Attempt:       1,
		CorrelationID: "parent.h9",
		Priority:      -30,
		Keys:          map[string]string{"c0": "k", "singleton": "s"},
		Cron:          "*/5 * * * *",
	}
}

func ids(runs []*enginestore.RunRecord) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func pauseIDs(ps []enginestore.Pause) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

var ctx = context.Background()

var behaviours = []behaviour{
	{
		name: "empty store",
		check: func(t *testing.T, st enginestore.Store) {
			apps, err := st.Apps(ctx)
			require.NoError(t, err)
			require.Empty(t, apps)
			runs, err := st.Runs(ctx)
			require.NoError(t, err)
			require.NotNil(t, runs)
			require.Empty(t, runs)
			timers, err := st.Timers(ctx)
			require.NoError(t, err)
			require.Empty(t, timers)
			ps, err := st.PausesForEvent(ctx, "x")
			require.NoError(t, err)
			require.Nil(t, ps)
		},
	},
	{
		name: "apps keep first-sync order and are replaced by name",
		setup: func(t *testing.T, st enginestore.Store) {
			require.NoError(t, st.SaveApp(ctx, enginestore.AppRecord{ID: "u1", Name: "a", URL: "http://a", Checksum: "c1", SyncID: "s1", Config: json.RawMessage(`{"v":1}`)}))
			require.NoError(t, st.SaveApp(ctx, enginestore.AppRecord{ID: "u2", Name: "b", URL: "http://b", Checksum: "c2", SyncID: "s2", Config: json.RawMessage(`{"v":2}`)}))
			require.NoError(t, st.SaveApp(ctx, enginestore.AppRecord{ID: "u1", Name: "a", URL: "http://a2", Checksum: "c3", SyncID: "s3", Config: json.RawMessage(`{"v":3}`)}))
		},
		check: func(t *testing.T, st enginestore.Store) {
			apps, err := st.Apps(ctx)
			require.NoError(t, err)
			require.Equal(t, []enginestore.AppRecord{
				{ID: "u1", Name: "a", URL: "http://a2", Checksum: "c3", SyncID: "s3", Config: json.RawMessage(`{"v":3}`)},
				{ID: "u2", Name: "b", URL: "http://b", Checksum: "c2", SyncID: "s2", Config: json.RawMessage(`{"v":2}`)},
			}, apps)
		},
	},
	{
		name: "SaveEvent dedupes by ID and keeps the first",
		setup: func(t *testing.T, st enginestore.Store) {
			ev := enginestore.EventRecord{ID: "e1", Name: "app/a", Raw: json.RawMessage(`{"id":"e1"}`), ReceivedAt: t0}
			ok, err := st.SaveEvent(ctx, ev)
			require.NoError(t, err)
			require.True(t, ok)
			ev.Name, ev.Raw = "app/b", json.RawMessage(`{"id":"e1","other":true}`)
			ok, err = st.SaveEvent(ctx, ev)
			require.NoError(t, err)
			require.False(t, ok)
			ok, err = st.SaveEvent(ctx, enginestore.EventRecord{ID: "e2", Name: "inngest/scheduled.timer", Raw: json.RawMessage(`{}`), ReceivedAt: t0.Add(time.Minute), Internal: true})
			require.NoError(t, err)
			require.True(t, ok)
		},
		check: func(t *testing.T, st enginestore.Store) {
			ev, err := st.Event(ctx, "e1")
			require.NoError(t, err)
			require.Equal(t, enginestore.EventRecord{ID: "e1", Name: "app/a", Raw: json.RawMessage(`{"id":"e1"}`), ReceivedAt: t0}, ev)
			ev, err = st.Event(ctx, "e2")
			require.NoError(t, err)
			require.True(t, ev.Internal)
			require.True(t, ev.ReceivedAt.Equal(t0.Add(time.Minute)))
			ok, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: "e1", Name: "again"})
			require.NoError(t, err)
			require.False(t, ok)
		},
	},
	{
		name: "missing records are ErrNotFound",
		check: func(t *testing.T, st enginestore.Store) {
			_, err := st.Event(ctx, "nope")
			require.ErrorIs(t, err, enginestore.ErrNotFound)
			_, err = st.Run(ctx, "nope")
			require.ErrorIs(t, err, enginestore.ErrNotFound)
		},
	},
	{
		name: "a run round-trips every field",
		setup: func(t *testing.T, st enginestore.Store) {
			require.NoError(t, st.SaveRun(ctx, FullRun("r1", "e1", "e2")))
		},
		check: func(t *testing.T, st enginestore.Store) {
			r, err := st.Run(ctx, "r1")
			require.NoError(t, err)
			require.Equal(t, FullRun("r1", "e1", "e2"), r)
		},
	},
	{
		name: "runs list in creation order; replacing keeps the place",
		setup: func(t *testing.T, st enginestore.Store) {
			for _, id := range []string{"r3", "r1", "r2"} {
				require.NoError(t, st.SaveRun(ctx, &enginestore.RunRecord{Run: runtype.Run{ID: id, Status: runtype.StatusQueued}}))
			}
			r := FullRun("r3", "e9")
			r.Status = runtype.StatusCompleted
			require.NoError(t, st.SaveRun(ctx, r))
		},
		check: func(t *testing.T, st enginestore.Store) {
			runs, err := st.Runs(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"r3", "r1", "r2"}, ids(runs))
			require.Equal(t, runtype.StatusCompleted, runs[0].Status)
			require.Equal(t, runtype.StatusQueued, runs[1].Status)
		},
	},
	{
		name: "RunsForEvent follows the triggering events of the first save",
		setup: func(t *testing.T, st enginestore.Store) {
			require.NoError(t, st.SaveRun(ctx, FullRun("r1", "e1")))
			require.NoError(t, st.SaveRun(ctx, FullRun("r2", "e1", "e2")))
			require.NoError(t, st.SaveRun(ctx, FullRun("r3", "e3")))
			// Like memstore, the index is built once: a later save with
			// other event IDs does not move the run.
			require.NoError(t, st.SaveRun(ctx, FullRun("r3", "e1")))
		},
		check: func(t *testing.T, st enginestore.Store) {
			for ev, want := range map[string][]string{"e1": {"r1", "r2"}, "e2": {"r2"}, "e3": {"r3"}, "e4": {}} {
				runs, err := st.RunsForEvent(ctx, ev)
				require.NoError(t, err)
				require.NotNil(t, runs)
				require.Equal(t, want, ids(runs), ev)
			}
			runs, err := st.RunsForEvent(ctx, "e3")
			require.NoError(t, err)
			require.Equal(t, []string{"e1"}, runs[0].EventIDs, "the latest state is returned")
		},
	},
	{
		name: "DeletePause returns true only once",
		setup: func(t *testing.T, st enginestore.Store) {
			require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: "p1", Kind: enginestore.PauseWait, RunID: "r1", Event: "app/go"}))
			require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: "p2", Kind: enginestore.PauseWait, RunID: "r1", Event: "app/go"}))
			ok, err := st.DeletePause(ctx, "p1")
			require.NoError(t, err)
			require.True(t, ok)
			ok, err = st.DeletePause(ctx, "p1")
			require.NoError(t, err)
			require.False(t, ok)
		},
		check: func(t *testing.T, st enginestore.Store) {
			ok, err := st.DeletePause(ctx, "p1")
			require.NoError(t, err)
			require.False(t, ok)
			ok, err = st.DeletePause(ctx, "never")
			require.NoError(t, err)
			require.False(t, ok)
			ps, err := st.PausesForRun(ctx, "r1")
			require.NoError(t, err)
			require.Equal(t, []string{"p2"}, pauseIDs(ps))
		},
	},
	{
		// The engine reads runs and events for its read API without its
		// lock, while its scheduler writes (the race detector catches a
		// store that is not safe for it).
		name: "reads run concurrently with writes and see whole records",
		setup: func(t *testing.T, st enginestore.Store) {
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 50 {
					run := FullRun("r", "e1")
					run.Calls = i
					if err := st.SaveRun(ctx, run); err != nil {
						t.Error(err)
					}
					if _, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: fmt.Sprint("e", i), Name: "app/x", Raw: json.RawMessage(`{}`), ReceivedAt: t0}); err != nil {
						t.Error(err)
					}
				}
			})
			for range 2 {
				wg.Go(func() {
					for range 50 {
						if r, err := st.Run(ctx, "r"); err == nil {
							if r.ID != "r" || len(r.Steps) != 2 || len(r.Memo) == 0 {
								t.Errorf("a read saw part of a run: %+v", r)
							}
						} else if !errors.Is(err, enginestore.ErrNotFound) {
							t.Error(err)
						}
						if _, err := st.Runs(ctx); err != nil {
							t.Error(err)
						}
						if _, err := st.RunsForEvent(ctx, "e1"); err != nil {
							t.Error(err)
						}
						if _, err := st.Event(ctx, "e1"); err != nil && !errors.Is(err, enginestore.ErrNotFound) {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
		},
		check: func(t *testing.T, st enginestore.Store) {
			r, err := st.Run(ctx, "r")
			require.NoError(t, err)
			require.Equal(t, 49, r.Calls)
		},
	},
	{
		name: "concurrent DeletePause: exactly one caller wins",
		setup: func(t *testing.T, st enginestore.Store) {
			for i := range 5 {
				require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: fmt.Sprint("p", i), Kind: enginestore.PauseWait, RunID: "r", Event: "e"}))
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 5 {
						ok, err := st.DeletePause(ctx, fmt.Sprint("p", (i+g)%5))
						if err != nil {
							t.Error(err)
						}
						if ok {
							wins.Add(1)
						}
					}
				})
			}
			wg.Wait()
			require.EqualValues(t, 5, wins.Load())
		},
		check: func(t *testing.T, st enginestore.Store) {
			ps, err := st.PausesForEvent(ctx, "e")
			require.NoError(t, err)
			require.Empty(t, ps)
		},
	},
	{
		name: "PausesForEvent and PausesForRun filter and sort by ID",
		setup: func(t *testing.T, st enginestore.Store) {
			exp := t0.Add(time.Hour)
			for _, p := range []enginestore.Pause{
				{ID: "r2/w", Kind: enginestore.PauseWait, RunID: "r2", StepID: "h2", Event: "app/go", If: "async.data.id == event.data.id", Expires: exp, TimerID: "t2"},
				{ID: "r1/cancel/0", Kind: enginestore.PauseCancel, RunID: "r1", Event: "app/stop"},
				{ID: "r1/w", Kind: enginestore.PauseWait, RunID: "r1", StepID: "h1", Event: "app/go", Expires: exp, TimerID: "t1"},
				{ID: "r3/i", Kind: enginestore.PauseInvoke, RunID: "r3", StepID: "h3", CorrelationID: "r3.h3", Expires: exp},
			} {
				require.NoError(t, st.SavePause(ctx, p))
			}
			// Replacing a pause changes it in place.
			require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: "r1/cancel/0", Kind: enginestore.PauseCancel, RunID: "r1", Event: "app/stop", If: "true"}))
		},
		check: func(t *testing.T, st enginestore.Store) {
			ps, err := st.PausesForEvent(ctx, "app/go")
			require.NoError(t, err)
			require.Equal(t, []enginestore.Pause{
				{ID: "r1/w", Kind: enginestore.PauseWait, RunID: "r1", StepID: "h1", Event: "app/go", Expires: t0.Add(time.Hour), TimerID: "t1"},
				{ID: "r2/w", Kind: enginestore.PauseWait, RunID: "r2", StepID: "h2", Event: "app/go", If: "async.data.id == event.data.id", Expires: t0.Add(time.Hour), TimerID: "t2"},
			}, ps)
			ps, err = st.PausesForRun(ctx, "r1")
			require.NoError(t, err)
			require.Equal(t, []string{"r1/cancel/0", "r1/w"}, pauseIDs(ps))
			require.Equal(t, "true", ps[0].If)
			ps, err = st.PausesForRun(ctx, "r3")
			require.NoError(t, err)
			require.Equal(t, []enginestore.Pause{{ID: "r3/i", Kind: enginestore.PauseInvoke, RunID: "r3", StepID: "h3", CorrelationID: "r3.h3", Expires: t0.Add(time.Hour)}}, ps)
			ps, err = st.PausesForEvent(ctx, "app/none")
			require.NoError(t, err)
			require.Nil(t, ps)
		},
	},
	{
		name: "timers round-trip, replace and delete",
		setup: func(t *testing.T, st enginestore.Store) {
			for _, tm := range []enginestore.TimerItem{
				{ID: "t1", At: t0.Add(2 * time.Second), Kind: enginestore.TimerCall, Priority: 5, RunID: "r1", StepID: "step", Attempt: 1, JobID: "j1", Generation: 2},
				{ID: "t2", At: t0, Kind: enginestore.TimerSleep, RunID: "r1", StepID: "h1"},
				{ID: "t3", At: t0.Add(time.Hour), Kind: enginestore.TimerPauseTimeout, RunID: "r2", StepID: "h2", PauseID: "r2/w"},
				{ID: "cron:app-fn", At: t0.Add(time.Minute), Kind: enginestore.TimerCron, FunctionID: "app-fn", Key: "* * * * *"},
				{ID: "gone", At: t0, Kind: enginestore.TimerStart, RunID: "r9"},
				{ID: "t4", At: t0, Kind: enginestore.TimerGateway, RunID: "r3", StepID: "h3", Data: json.RawMessage(`{"url":"http://x","method":"GET"}`)},
			} {
				require.NoError(t, st.SaveTimer(ctx, tm))
			}
			require.NoError(t, st.SaveTimer(ctx, enginestore.TimerItem{ID: "t2", At: t0.Add(3 * time.Second), Kind: enginestore.TimerSleep, RunID: "r1", StepID: "h1"}))
			require.NoError(t, st.DeleteTimer(ctx, "gone"))
			require.NoError(t, st.DeleteTimer(ctx, "gone"))
			require.NoError(t, st.DeleteTimer(ctx, "never-existed"))
		},
		check: func(t *testing.T, st enginestore.Store) {
			timers, err := st.Timers(ctx)
			require.NoError(t, err)
			require.ElementsMatch(t, []enginestore.TimerItem{
				{ID: "t1", At: t0.Add(2 * time.Second), Kind: enginestore.TimerCall, Priority: 5, RunID: "r1", StepID: "step", Attempt: 1, JobID: "j1", Generation: 2},
				{ID: "t2", At: t0.Add(3 * time.Second), Kind: enginestore.TimerSleep, RunID: "r1", StepID: "h1"},
				{ID: "t3", At: t0.Add(time.Hour), Kind: enginestore.TimerPauseTimeout, RunID: "r2", StepID: "h2", PauseID: "r2/w"},
				{ID: "cron:app-fn", At: t0.Add(time.Minute), Kind: enginestore.TimerCron, FunctionID: "app-fn", Key: "* * * * *"},
				{ID: "t4", At: t0, Kind: enginestore.TimerGateway, RunID: "r3", StepID: "h3", Data: json.RawMessage(`{"url":"http://x","method":"GET"}`)},
			}, timers)
		},
	},
	{
		name: "flow records round-trip in first-save order, replace, delete and prune",
		setup: func(t *testing.T, st enginestore.Store) {
			for _, f := range []enginestore.FlowRecord{
				{FunctionID: "app-a", Kind: enginestore.FlowDebounce, Key: "k1", Config: "c1", Data: json.RawMessage(`{"event":{"id":"e1"}}`)},
				{FunctionID: "app-a", Kind: enginestore.FlowRateLimit, Key: "k1", Config: "c1", Data: json.RawMessage(`["x"]`), Expires: t0.Add(time.Minute)},
				{FunctionID: "app-b", Kind: enginestore.FlowBatch, Key: "", Config: "c2", Data: json.RawMessage(`{"events":[]}`)},
				{FunctionID: "app-b", Kind: enginestore.FlowThrottle, Key: "old", Config: "c2", Data: json.RawMessage(`1`), Expires: t0},
				{FunctionID: "app-b", Kind: enginestore.FlowIdempotency, Key: "gone", Config: "c2", Data: json.RawMessage(`2`)},
			} {
				require.NoError(t, st.SaveFlow(ctx, f))
			}
			// Replacing keeps the place; deleting twice is fine; pruning
			// removes only records that expired.
			require.NoError(t, st.SaveFlow(ctx, enginestore.FlowRecord{FunctionID: "app-a", Kind: enginestore.FlowDebounce, Key: "k1", Config: "c3", Data: json.RawMessage(`{"event":{"id":"e2"}}`)}))
			require.NoError(t, st.DeleteFlow(ctx, "app-b", enginestore.FlowIdempotency, "gone"))
			require.NoError(t, st.DeleteFlow(ctx, "app-b", enginestore.FlowIdempotency, "gone"))
			require.NoError(t, st.PruneFlows(ctx, t0.Add(time.Second)))
		},
		check: func(t *testing.T, st enginestore.Store) {
			fs, err := st.Flows(ctx)
			require.NoError(t, err)
			require.Equal(t, []enginestore.FlowRecord{
				{FunctionID: "app-a", Kind: enginestore.FlowDebounce, Key: "k1", Config: "c3", Data: json.RawMessage(`{"event":{"id":"e2"}}`)},
				{FunctionID: "app-a", Kind: enginestore.FlowRateLimit, Key: "k1", Config: "c1", Data: json.RawMessage(`["x"]`), Expires: t0.Add(time.Minute)},
				{FunctionID: "app-b", Kind: enginestore.FlowBatch, Key: "", Config: "c2", Data: json.RawMessage(`{"events":[]}`)},
			}, fs)
		},
	},
	{
		name: "values are copied in and out",
		setup: func(t *testing.T, st enginestore.Store) {
			r := FullRun("r1", "e1")
			require.NoError(t, st.SaveRun(ctx, r))
			// Mutating what was saved does not reach the store.
			r.Status = runtype.StatusFailed
			r.Memo = append(r.Memo, enginestore.MemoEntry{ID: "hx", Value: json.RawMessage(`1`)})
			r.Steps[0].Done = false
			r.EventIDs[0] = "changed"
			r.Keys["c0"] = "changed"
			r.Error.Message = "changed"
			r.Steps[1].Error.Message = "changed"
			// Nor does mutating what was read.
			got, err := st.Run(ctx, "r1")
			require.NoError(t, err)
			got.Memo[0].ID = "changed"
			got.History[0].Kind = "changed"
			got.Keys["new"] = "x"
			got.Error.NoRetry = false
			all, err := st.Runs(ctx)
			require.NoError(t, err)
			all[0].Steps[1].Attempts = 99
			got.Steps[1].LastError.Message = "changed"
			byEv, err := st.RunsForEvent(ctx, "e1")
			require.NoError(t, err)
			byEv[0].Events[0] = json.RawMessage(`{}`)
			require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: "p1", RunID: "r1", Event: "x"}))
			ps, err := st.PausesForRun(ctx, "r1")
			require.NoError(t, err)
			ps[0].Event = "changed"
			require.NoError(t, st.SaveTimer(ctx, enginestore.TimerItem{ID: "t1", RunID: "r1"}))
			ts, err := st.Timers(ctx)
			require.NoError(t, err)
			ts[0].RunID = "changed"
		},
		check: func(t *testing.T, st enginestore.Store) {
			got, err := st.Run(ctx, "r1")
			require.NoError(t, err)
			require.Equal(t, FullRun("r1", "e1"), got)
			ps, err := st.PausesForEvent(ctx, "x")
			require.NoError(t, err)
			require.Len(t, ps, 1)
			ts, err := st.Timers(ctx)
			require.NoError(t, err)
			require.Equal(t, "r1", ts[0].RunID)
		},
	},
}

// Run runs every behaviour of the suite, each in a parallel subtest on a
// new store from open, checking what it stored before and after a reopen.
func Run(t *testing.T, open Opener) {
	t.Helper()
	run(t, open, append(behaviours[:len(behaviours):len(behaviours)], listRunsBehaviours...))
}

func run(t *testing.T, open Opener, behaviours []behaviour) {
	t.Helper()
	for _, b := range behaviours {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st, reopen := open(t)
			if b.setup != nil {
				b.setup(t, st)
			}
			b.check(t, st)
			b.check(t, reopen())
		})
	}
}

// pruneBehaviours are the behaviours of stores implementing enginestore.Pruner.
var pruneBehaviours = []behaviour{
	{
		// Finished runs that ended before the cut go (with their event
		// index), as do events received before theirs; unfinished runs stay.
		name: "prune",
		setup: func(t *testing.T, st enginestore.Store) {
			old := FullRun("old", "e1")
			old.Status, old.EndedAt = runtype.StatusCompleted, t0.Add(time.Second)
			fresh := FullRun("fresh", "e1")
			fresh.Status, fresh.EndedAt = runtype.StatusFailed, t0.Add(time.Hour)
			running := FullRun("running", "e2")
			running.EndedAt = time.Time{}
			for _, r := range []*enginestore.RunRecord{old, fresh, running} {
				require.NoError(t, st.SaveRun(ctx, r))
			}
			for i, at := range []time.Time{t0, t0.Add(time.Hour)} {
				_, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: []string{"e1", "e2"}[i], Name: "app/x", Raw: []byte(`{}`), ReceivedAt: at})
				require.NoError(t, err)
			}
			p, ok := st.(enginestore.Pruner)
			require.True(t, ok, "RunPruner needs a store implementing enginestore.Pruner")
			n, err := p.PruneRuns(ctx, t0.Add(time.Minute))
			require.NoError(t, err)
			require.Equal(t, 1, n)
			n, err = p.PruneEvents(ctx, t0.Add(time.Minute))
			require.NoError(t, err)
			require.Equal(t, 1, n)
		},
		check: func(t *testing.T, st enginestore.Store) {
			runs, err := st.Runs(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"fresh", "running"}, ids(runs))
			byEv, err := st.RunsForEvent(ctx, "e1")
			require.NoError(t, err)
			require.Equal(t, []string{"fresh"}, ids(byEv))
			_, err = st.Run(ctx, "old")
			require.ErrorIs(t, err, enginestore.ErrNotFound)
			_, err = st.Event(ctx, "e1")
			require.ErrorIs(t, err, enginestore.ErrNotFound)
			_, err = st.Event(ctx, "e2")
			require.NoError(t, err)
		},
	},
}

// RunPruner runs the behaviours of a store implementing enginestore.Pruner, as
// Run does the others; open must return such a store.
func RunPruner(t *testing.T, open Opener) {
	t.Helper()
	run(t, open, pruneBehaviours)
}
