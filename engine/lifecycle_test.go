package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// runsOf lists the runs of one function.
func runsOf(eng *engine.Engine, fnID string) []runtype.Run {
	var out []runtype.Run
	for _, r := range must(eng.Runs()) {
		if r.FunctionID == fnID {
			out = append(out, r)
		}
	}
	return out
}

// triggerNames lists the trigger event names of runs.
func triggerNames(runs []runtype.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = eventName(r)
	}
	return out
}

func eventName(r runtype.Run) string {
	var ev struct {
		Name string `json:"name"`
		Data struct {
			FunctionID string `json:"function_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(r.Events[0], &ev)
	if ev.Data.FunctionID != "" {
		return ev.Name + " of " + ev.Data.FunctionID
	}
	return ev.Name
}

// TestLifecycleEventsDoNotLoop checks the server's rule (executor
// finalizeEvents): a run triggered by inngest/function.finished or
// inngest/function.failed emits no lifecycle events, so a function listening
// to every function.finished runs once per ordinary run instead of
// re-triggering itself forever; onFailure handlers (triggered by
// function.failed) emit none either, even when they fail. A run triggered by
// inngest/function.cancelled is an ordinary run and does emit them.
func TestLifecycleEventsDoNotLoop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		switch c.FnID {
		case "app-doomed", "app-on-failure":
			return reply{Status: 500, Body: `{"message":"nope"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
		}
		return ok(`"done"`)
	})
	h.mustRegister(
		h.fn("work", nil),
		h.fn("doomed", nil),
		h.fn("on-failure", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed", "expression": "event.data.function_id == 'app-doomed'"}}}),
		h.fn("any-failed", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed"}}}),
		h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.finished"}}}),
	)
	h.send("test/work", map[string]any{})
	h.send("test/doomed", map[string]any{})
	// With the loop, watch runs keep coming and the engine never idles.
	waitUntil(t, func() bool { return h.eng.Idle() || len(runsOf(h.eng, "app-watch")) > 4 })
	watch := runsOf(h.eng, "app-watch")
	require.ElementsMatch(t, []string{"inngest/function.finished of app-work", "inngest/function.finished of app-doomed"}, triggerNames(watch))
	// function.failed of doomed only: on-failure's own failure emits nothing.
	require.Len(t, runsOf(h.eng, "app-on-failure"), 1)
	require.Len(t, runsOf(h.eng, "app-any-failed"), 1)
	require.Equal(t, runtype.StatusFailed, runsOf(h.eng, "app-on-failure")[0].Status)
}

// TestFunctionCancelledEventShape checks the events a cancelled run emits, as
// the server's Cancel/finalizeEvents build them: function.finished first,
// then function.cancelled whose ID is the run ID; both carry status
// "Cancelled" and neither an error nor a result (the server finalizes a
// cancellation with an empty driver response).
func TestFunctionCancelledEventShape(t *testing.T) {
	t.Parallel()
	seen := make(chan map[string]any, 4)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if c.FnID == "app-watch" {
			seen <- c.Req["event"].(map[string]any)
			return ok(`1`)
		}
		return ops(`{"op":"Sleep","id":"` + wire.HashID("s", 0) + `","name":"s","opts":{"duration":"1h"}}`)
	})
	h.mustRegister(
		h.fn("cancellable", map[string]any{"cancel": []any{map[string]any{"event": "test/stop"}}}),
		h.fn("watch", map[string]any{"triggers": []any{
			map[string]any{"event": "inngest/function.cancelled"},
			map[string]any{"event": "inngest/function.finished", "expression": "event.data.function_id == 'app-cancellable'"},
		}}),
	)
	id := h.send("test/cancellable", map[string]any{"k": "v"})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	h.send("test/stop", map[string]any{})
	run := h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCancelled, run.Status)
	byName := map[string]map[string]any{}
	for range 2 {
		ev := <-seen
		byName[ev["name"].(string)] = ev
	}
	cancelled, finished := byName["inngest/function.cancelled"], byName["inngest/function.finished"]
	require.NotNil(t, cancelled)
	require.NotNil(t, finished)
	require.Equal(t, run.ID, cancelled["id"], "function.cancelled id is the run id")
	require.NotEqual(t, run.ID, finished["id"])
	for _, ev := range []map[string]any{cancelled, finished} {
		data := ev["data"].(map[string]any)
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		require.ElementsMatch(t, []string{"_inngest", "event", "events", "function_id", "run_id"}, keys)
		require.Equal(t, map[string]any{"status": "Cancelled"}, data["_inngest"])
		require.Equal(t, "app-cancellable", data["function_id"])
		require.Equal(t, run.ID, data["run_id"])
		require.Equal(t, "test/cancellable", data["event"].(map[string]any)["name"])
	}
	// Lifecycle events sort after the finished one by ID (ULIDs): finished
	// was emitted first.
	runs := runsOf(h.eng, "app-watch")
	require.Len(t, runs, 2)
	require.Equal(t, "inngest/function.finished of app-cancellable", eventName(runs[0]))
}

// TestLifecycleErrorKeepsTheSDKErrorName: the error object of function.failed
// keeps the name of the SDK's error body (this SDK sends "NonRetriableError"
// for inngest.NoRetry errors), as recorded in testdata/realserver/lifecycle.json.
func TestLifecycleErrorKeepsTheSDKErrorName(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 1)
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if c.FnID == "app-watch" {
			got <- c.Req["event"].(map[string]any)
			return ok(`1`)
		}
		return reply{Status: 400, Body: `{"name":"NonRetriableError","message":"scenario failure"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
	})
	h.mustRegister(h.fn("doomed", nil), h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed"}}}))
	h.send("test/doomed", map[string]any{})
	ev := <-got
	require.Equal(t, map[string]any{"error": "NonRetriableError", "message": "scenario failure", "name": "NonRetriableError"}, ev["data"].(map[string]any)["error"])
}

// TestEventIDDedupLastsADay: an event sent again with the same id starts no
// run for 24 hours (the server's idempotency period for event ids,
// consts.FunctionIdempotencyPeriod); after that it starts runs again, and the
// window starts over.
func TestEventIDDedupLastsADay(t *testing.T) {
	t.Parallel()
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk, Retention: -1}, func(c call) reply { return ok(`1`) })
	h.mustRegister(h.fn("dedupe", nil))
	send := func() {
		status, out := h.post("/e/test", []byte(`{"name":"test/dedupe","id":"order-1","data":{}}`), nil)
		require.Equal(t, 200, status, "%v", out)
		waitUntil(t, h.eng.Idle)
	}
	send()
	clk.Advance(24*time.Hour - time.Second)
	send()
	require.Len(t, runsOf(h.eng, "app-dedupe"), 1, "deduplicated within 24 h")
	clk.Advance(time.Second)
	send()
	require.Len(t, runsOf(h.eng, "app-dedupe"), 2, "runs again after 24 h")
	clk.Advance(time.Hour)
	send()
	require.Len(t, runsOf(h.eng, "app-dedupe"), 2, "a new window started with the second run")
}

// TestLifecycleErrorOfSpentRetries checks a run failing on an SDK error
// status once its retries are spent, as the dev server showed it (probed
// with retries 0): the error is "invalid status code: <status>" with the
// body's name and message; a body that is not JSON is the run's output as a
// JSON string.
func TestLifecycleErrorOfSpentRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, output string
		wantErr            map[string]any
	}{
		{"json body", `{"name":"TypeError","message":"boom"}`, `{"message":"boom","name":"TypeError"}`,
			map[string]any{"error": "invalid status code: 500", "message": "boom", "name": "TypeError"}},
		{"text body", `oops`, `"oops"`,
			map[string]any{"error": "invalid status code: 500", "message": "oops", "name": "Error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan map[string]any, 1)
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if c.FnID == "app-watch" {
					got <- c.Req["event"].(map[string]any)["data"].(map[string]any)
					return ok(`1`)
				}
				return reply{Status: 500, Body: tc.body}
			})
			h.mustRegister(h.fn("spent", map[string]any{"steps": map[string]any{"step": map[string]any{"id": "step", "name": "spent",
				"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=app-spent"}, "retries": map[string]any{"attempts": 0}}}}),
				h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed"}}}))
			run := h.waitRuns(h.send("test/spent", map[string]any{}), 1)[0]
			require.Equal(t, runtype.StatusFailed, run.Status)
			require.JSONEq(t, tc.output, string(run.Output))
			data := <-got
			require.Equal(t, tc.wantErr, data["error"])
			require.JSONEq(t, tc.output, string(mustJSON(data["result"])))
		})
	}
}

// TestDuplicateEventIDStillMatchesPauses: the server deduplicates runs by
// event id but still matches a repeated event against waits and
// cancellations (probed: a cancelOn event sent a second time with the same id
// cancelled the run that had started in between).
func TestDuplicateEventIDStillMatchesPauses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"1h"}}`)
	})
	h.mustRegister(h.fn("cancellable", map[string]any{"cancel": []any{map[string]any{"event": "test/stop"}}}),
		h.fn("stopper", map[string]any{"triggers": []any{map[string]any{"event": "test/stop"}}}))
	stop := []byte(`{"name":"test/stop","id":"stop-1","data":{}}`)
	status, _ := h.post("/e/test", stop, nil)
	require.Equal(t, 200, status)
	id := h.send("test/cancellable", map[string]any{})
	waitUntil(t, func() bool { return len(must(h.eng.RunsForEvent(id))) == 1 && h.eng.Idle() })
	status, _ = h.post("/e/test", stop, nil)
	require.Equal(t, 200, status)
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(id, 1)[0].Status)
	require.Len(t, runsOf(h.eng, "app-stopper"), 1, "the repeated id starts no second run")
}

// TestEventIDDedupIsPerFunction: the server deduplicates event ids per
// function (probed: a function synced after the first event ran when the id
// came again, the one that had run did not).
func TestEventIDDedupIsPerFunction(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`1`) })
	ev := []byte(`{"name":"test/first","id":"dup-1","data":{}}`)
	h.mustRegister(h.fn("first", nil))
	status, _ := h.post("/e/test", ev, nil)
	require.Equal(t, 200, status)
	waitUntil(t, h.eng.Idle)
	h.mustRegister(h.fn("first", nil), h.fn("late", map[string]any{"triggers": []any{map[string]any{"event": "test/first"}}}))
	status, _ = h.post("/e/test", ev, nil)
	require.Equal(t, 200, status)
	waitUntil(t, func() bool { return len(runsOf(h.eng, "app-late")) == 1 && h.eng.Idle() })
	require.Len(t, runsOf(h.eng, "app-first"), 1)
}
