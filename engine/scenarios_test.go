package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

func TestReplayWaitMatch(t *testing.T) {
	t.Parallel()
	// Manual clock: the 30 s wait must not time out while the driver sends
	// the non-matching and then the matching reply.
	p := replay(t, "wait-match", func(h *harness) { h.clk.SetAutoAdvance(false) })
	runs := must(p.h.eng.Runs())
	require.Len(t, runs, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
}

func TestSleepIsDurableTimer(t *testing.T) {
	t.Parallel()
	sleepOp := `{"op":"Sleep","id":"` + wire.HashID("nap", 0) + `","name":"nap","opts":{"duration":"7d"}}`
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if len(c.steps()) == 0 {
			return ops(sleepOp)
		}
		return ok(`"woke"`)
	})
	h.mustRegister(h.fn("sleepy", nil))
	id := h.send("test/sleepy", map[string]any{})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	h.clk.Advance(7*24*time.Hour - time.Second)
	waitUntil(t, h.eng.Idle)
	require.Len(t, h.app.Calls(), 1, "no call before the sleep ends")
	h.clk.Advance(time.Second)
	runs := h.waitRuns(id, 1)
	require.Equal(t, json.RawMessage(`"woke"`), runs[0].Output)
	calls := h.app.Calls()
	require.Len(t, calls, 2)
	require.Contains(t, string(calls[1].Body), `"`+wire.HashID("nap", 0)+`":null`)
	require.Equal(t, t0.Add(7*24*time.Hour), runs[0].EndedAt)
}

func TestAutoAdvanceSevenDayWait(t *testing.T) {
	t.Parallel()
	waitOp := `{"op":"WaitForEvent","id":"` + wire.HashID("w", 0) + `","name":"w","opts":{"event":"test/never","timeout":"7d","if":"async.data.id == event.data.id"}}`
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if len(c.steps()) == 0 {
			return ops(waitOp)
		}
		return ok(string(c.Body[:0]) + `{"timed_out":true}`)
	})
	h.mustRegister(h.fn("waiter", nil))
	id := h.send("test/waiter", map[string]any{"id": 1})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	require.Contains(t, string(h.app.Calls()[1].Body), `"`+wire.HashID("w", 0)+`":null`)
}

func TestStepErrorRetriesThenFails(t *testing.T) {
	t.Parallel()
	hash := wire.HashID("flaky", 0)
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if _, done := c.steps()[hash]; done {
			return reply{Status: 500, Body: `{"message":"unhandled step error: boom"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
		}
		return ops(`{"op":"StepError","id":"` + hash + `","name":"flaky","error":{"name":"Step error","message":"boom","data":null}}`)
	})
	h.mustRegister(h.fn("flaky", map[string]any{"retries": 1, "steps": map[string]any{"step": map[string]any{"id": "step", "name": "flaky",
		"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=app-flaky"}, "retries": map[string]any{"attempts": 1}}}}))
	id := h.send("test/flaky", map[string]any{})
	runs := h.waitRuns(id, 1)
	calls := h.app.Calls()
	require.Len(t, calls, 3)
	require.EqualValues(t, 2, calls[0].ctx()["max_attempts"])
	require.Equal(t, calls[0].ctx()["job_id"], calls[1].ctx()["job_id"])
	require.EqualValues(t, 1, calls[1].ctx()["attempt"])
	require.EqualValues(t, 2, calls[1].ctx()["generation_id"])
	// Attempts exhausted: StepError becomes StepFailed, a new job at attempt 0.
	require.NotEqual(t, calls[1].ctx()["job_id"], calls[2].ctx()["job_id"])
	require.EqualValues(t, 0, calls[2].ctx()["attempt"])
	require.JSONEq(t, `{"error":{"name":"Step error","message":"boom","data":null}}`, string(mustJSON(calls[2].steps()[hash])))
	require.Equal(t, runtype.StatusFailed, runs[0].Status)
	require.Len(t, runs[0].Steps, 1)
	require.Equal(t, 2, runs[0].Steps[0].Attempts)
	require.Equal(t, "boom", runs[0].Steps[0].Error.Message)
	require.Equal(t, runs[0].Steps[0].Error, runs[0].Steps[0].LastError)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestFunctionFailedEventShape(t *testing.T) {
	t.Parallel()
	var failedEvent atomic.Value
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if c.FnID == "app-on-failed" {
			failedEvent.Store(c.Req["event"])
			return ok(`{"saw":true}`)
		}
		return reply{Status: 500, Body: `{"message":"nope"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
	})
	onFailed := h.fn("on-failed", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed", "expression": "event.data.function_id == 'app-doomed'"}}})
	h.mustRegister(h.fn("doomed", nil), onFailed)
	id := h.send("test/doomed", map[string]any{"why": "x"})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusFailed, runs[0].Status)
	require.JSONEq(t, `{"message":"nope"}`, string(runs[0].Output))
	waitUntil(t, func() bool { return failedEvent.Load() != nil })
	ev := failedEvent.Load().(map[string]any)
	require.Equal(t, "inngest/function.failed", ev["name"])
	require.Equal(t, runs[0].ID, ev["id"], "function.failed id is the run id")
	data := ev["data"].(map[string]any)
	require.Equal(t, "app-doomed", data["function_id"])
	require.Equal(t, runs[0].ID, data["run_id"])
	require.Equal(t, map[string]any{"status": "Failed"}, data["_inngest"])
	require.Equal(t, map[string]any{"error": "NonRetriableError", "message": "nope", "name": "Error"}, data["error"])
	require.Equal(t, map[string]any{"message": "nope"}, data["result"])
	require.Equal(t, "test/doomed", data["event"].(map[string]any)["name"])
	require.NotContains(t, data["events"].([]any)[0], "user")
}

func TestFunctionRetriesWithoutNoRetryHeader(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if n.Add(1) < 3 {
			return reply{Status: 400, Body: `{"message":"bad"}`, Headers: map[string]string{"Retry-After": "5"}}
		}
		return ok(`1`)
	})
	h.mustRegister(h.fn("retry", nil))
	id := h.send("test/retry", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	calls := h.app.Calls()
	require.Len(t, calls, 3)
	require.EqualValues(t, 2, calls[2].ctx()["attempt"])
	require.Equal(t, 3, runs[0].Attempts)
}

// TestOKWithNoRetryFailsTheRun: a 200 that says no-retry is a final error,
// as on the server (its HTTP and Connect drivers set the error of any
// non-206 answer with no-retry): the JavaScript SDK's Connect worker answers
// a NonRetriableError thrown by the function with DONE (200) and no_retry.
func TestOKWithNoRetryFailsTheRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		return reply{Status: 200, Body: `{"name":"NonRetriableError","message":"no point retrying"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
	})
	h.mustRegister(h.fn("doomed", map[string]any{"retries": 3}))
	id := h.send("test/doomed", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusFailed, runs[0].Status)
	require.NotNil(t, runs[0].Error)
	require.Equal(t, "no point retrying", runs[0].Error.Message)
	require.Len(t, h.app.Calls(), 1, "a no-retry answer is not retried")
}

func TestNotAnSDKAndEmpty206(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	h := newHarness(t, engine.Options{}, func(c call) reply {
		switch n.Add(1) {
		case 1:
			return reply{Status: 200, Body: `1`, Headers: map[string]string{"X-Inngest-Sdk": ""}}
		case 2:
			return reply{Status: 206, Body: ``}
		}
		return ok(`2`)
	})
	h.mustRegister(h.fn("odd", nil))
	id := h.send("test/odd", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.Equal(t, json.RawMessage(`2`), runs[0].Output)
	require.Len(t, h.app.Calls(), 3)
}

func TestStreamingEnvelope(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		return reply{Status: 201, Body: "  \n {\"status\":200,\"body\":\"{\\\"x\\\":1}\",\"headers\":{}}"}
	})
	h.mustRegister(h.fn("stream", nil))
	id := h.send("test/stream", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	require.JSONEq(t, `{"x":1}`, string(runs[0].Output))
}

func TestInvokeTimeoutAndMissingTarget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		switch c.FnID {
		case "app-child":
			return ops(`{"op":"Sleep","id":"` + wire.HashID("s", 0) + `","name":"s","opts":{"duration":"1h"}}`)
		}
		steps := c.steps()
		if len(steps) == 0 {
			return ops(`{"op":"InvokeFunction","id":"`+wire.HashID("a", 0)+`","name":"a","opts":{"function_id":"app-child","payload":{"data":{"n":1}},"timeout":"1m"}}`,
				`{"op":"InvokeFunction","id":"`+wire.HashID("b", 0)+`","name":"b","opts":{"function_id":"app-missing","payload":{"data":{}}}}`)
		}
		return ok(string(mustJSON(steps)))
	})
	h.mustRegister(h.fn("parent", nil), h.fn("child", nil))
	id := h.send("test/parent", map[string]any{})
	runs := h.waitRuns(id, 1)
	var steps map[string]map[string]any
	require.NoError(t, json.Unmarshal(runs[0].Output, &steps))
	require.Equal(t, "InngestInvokeTimeoutError", steps[wire.HashID("a", 0)]["error"].(map[string]any)["name"])
	require.Contains(t, steps[wire.HashID("b", 0)]["error"].(map[string]any)["message"], "app-missing")
}

func TestCheckpointPerformantMultiStepRun(t *testing.T) {
	t.Parallel()
	var stepRuns []string
	for _, s := range []string{"s1", "s2", "s3"} {
		stepRuns = append(stepRuns, `{"op":"StepRun","id":"`+wire.HashID(s, 0)+`","name":"`+s+`","data":"`+s+`"}`)
	}
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if len(c.steps()) == 0 {
			return ops(stepRuns...)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("perf", nil))
	id := h.send("test/perf", map[string]any{})
	h.waitRuns(id, 1)
	calls := h.app.Calls()
	require.Len(t, calls, 2)
	require.Len(t, calls[1].steps(), 3)
	require.Equal(t, true, calls[1].ctx()["disable_immediate_execution"], "force-plan after a multi-op response")
	require.Equal(t, map[string]any{"data": "s2"}, calls[1].steps()[wire.HashID("s2", 0)])
}

func TestCheckpointAPI(t *testing.T) {
	t.Parallel()
	var h *harness
	h = newHarness(t, engine.Options{SigningKey: "signkey-test-12345678"}, func(c call) reply {
		if len(c.steps()) == 0 {
			run := c.ctx()["run_id"].(string)
			body := `{"run_id":"` + run + `","fn_id":"x","qi_id":"y","steps":[{"op":"StepRun","id":"` + wire.HashID("cp", 0) + `","name":"cp","data":{"v":1}}]}`
			st, _ := h.post("/v1/checkpoint/"+run+"/async", []byte(body), nil)
			require.Equal(t, http.StatusUnauthorized, st)
			st, _ = h.post("/v1/checkpoint/"+run+"/async", []byte(body), map[string]string{"Authorization": "Bearer " + wire.HashSigningKey("signkey-test-12345678")})
			require.Equal(t, http.StatusOK, st)
			bad := strings.Replace(body, "StepRun", "Sleep", 1)
			st, _ = h.post("/v1/checkpoint/"+run+"/async", []byte(bad), map[string]string{"Authorization": "Bearer signkey-test-12345678"})
			require.Equal(t, http.StatusBadRequest, st)
			return ops(`{"op":"Sleep","id":"` + wire.HashID("nap", 0) + `","name":"nap","opts":{"duration":"1s"}}`)
		}
		// Signed with the configured key.
		_, err := wire.VerifySignature(c.Header.Get("X-Inngest-Signature"), c.Body, time.Now(), "signkey-test-12345678", "")
		require.NoError(t, err)
		return ok(string(mustJSON(c.steps())))
	})
	status, _ := h.register(h.fn("cp", nil))
	require.Equal(t, http.StatusUnauthorized, status, "register needs the Bearer when a signing key is set")
	body, _ := json.Marshal(map[string]any{"v": "1", "url": h.app.srv.URL, "appName": "app", "functions": []any{h.fn("cp", nil)}})
	status, out := h.post("/fn/register", body, map[string]string{"Authorization": "Bearer " + wire.HashSigningKey("signkey-test-12345678")})
	require.Equal(t, 200, status, "%v", out)
	id := h.send("test/cp", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.JSONEq(t, `{"`+wire.HashID("cp", 0)+`":{"data":{"v":1}},"`+wire.HashID("nap", 0)+`":null}`, string(runs[0].Output))
}

func TestRunsAPIShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`{"a":1}`) })
	h.mustRegister(h.fn("shape", nil))
	id := h.send("test/shape", map[string]any{})
	runs := h.waitRuns(id, 1)
	st, out := h.get("/v1/events/" + id + "/runs")
	require.Equal(t, 200, st)
	list := out["data"].([]any)
	require.Len(t, list, 1)
	rec := list[0].(map[string]any)
	require.Equal(t, runs[0].ID, rec["run_id"])
	require.Equal(t, "Completed", rec["status"])
	require.Equal(t, id, rec["event_id"])
	require.Equal(t, runs[0].FunctionUUID, rec["function_id"])
	require.Equal(t, map[string]any{"a": float64(1)}, rec["output"])
	require.NotNil(t, rec["ended_at"])
	require.NotEmpty(t, rec["run_started_at"])
	st, out = h.get("/v1/runs/" + runs[0].ID)
	require.Equal(t, 200, st)
	require.Equal(t, rec, out["data"])
	st, _ = h.get("/v1/runs/nope")
	require.Equal(t, 404, st)
	st, out = h.get("/health")
	require.Equal(t, 200, st, "%v", out)
	resp, err := http.Get(h.api.URL + "/v0/runs/" + runs[0].ID + "/batch")
	require.NoError(t, err)
	var evs []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&evs))
	resp.Body.Close()
	require.Len(t, evs, 1)
	require.Equal(t, id, evs[0]["id"])
	resp, err = http.Get(h.api.URL + "/v0/runs/nope/actions")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusGone, resp.StatusCode)
}

func TestWaitForRunContext(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`1`) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := h.eng.WaitForRun(ctx, "missing")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRetriedStepErrorIsKept(t *testing.T) {
	t.Parallel()
	hash := wire.HashID("flaky", 0)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if _, done := c.steps()[hash]; done {
			return ok(`"done"`)
		}
		if c.ctx()["attempt"].(float64) == 0 {
			return ops(`{"op":"StepError","id":"` + hash + `","name":"flaky","error":{"name":"Error","message":"card declined","data":null}}`)
		}
		return ops(`{"op":"StepRun","id":"` + hash + `","name":"flaky","data":1}`)
	})
	h.mustRegister(h.fn("flaky", map[string]any{"retries": 3}))
	id := h.send("test/flaky", map[string]any{})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })

	// Waiting for the retry: the error is visible, the step is not failed.
	runs := must(h.eng.RunsForEvent(id))
	require.Len(t, runs, 1)
	step := runs[0].Steps[0]
	require.False(t, step.Done)
	require.Nil(t, step.Error, "not final")
	require.Equal(t, &runtype.StepError{Name: "Error", Message: "card declined", Data: json.RawMessage("null")}, step.LastError)
	var hist []string
	for _, it := range runs[0].History {
		if it.Kind == "step-error" {
			require.Equal(t, hash, it.StepID)
			hist = append(hist, it.Detail)
		}
	}
	require.Equal(t, []string{"attempt 0 failed: Error: card declined"}, hist)

	// The retry succeeds; the last error stays as a record of the retry.
	h.clk.Advance(34 * time.Second)
	runs = h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	step = runs[0].Steps[0]
	require.True(t, step.Done)
	require.Nil(t, step.Error)
	require.Equal(t, 2, step.Attempts)
	require.Equal(t, "card declined", step.LastError.Message)
}

func TestRunWaits(t *testing.T) {
	t.Parallel()
	w1, w2 := wire.HashID("approval", 0), wire.HashID("payment", 0)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		steps := c.steps()
		_, has1 := steps[w1]
		_, has2 := steps[w2]
		switch {
		case !has1 && !has2:
			return ops(`{"op":"WaitForEvent","id":"`+w1+`","name":"approval","opts":{"event":"test/approved","timeout":"1h","if":"async.data.id == event.data.id"}}`,
				`{"op":"WaitForEvent","id":"`+w2+`","name":"payment","opts":{"event":"test/paid","timeout":"2h"}}`)
		case !has1 || !has2:
			return ops() // targeted calls are not used here
		}
		return ok(string(mustJSON(map[string]any{"approval": steps[w1], "payment": steps[w2]})))
	})
	h.mustRegister(h.fn("waits", nil))
	id := h.send("test/waits", map[string]any{"id": 7})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	run := must(h.eng.RunsForEvent(id))[0]
	require.Equal(t, []runtype.WaitInfo{
		{StepID: w1, Event: "test/approved", If: "async.data.id == event.data.id", Expires: t0.Add(time.Hour)},
		{StepID: w2, Event: "test/paid", Expires: t0.Add(2 * time.Hour)},
	}, run.Waits)

	// A matching event ends one wait; the other one times out.
	h.send("test/approved", map[string]any{"id": 7})
	waitUntil(t, h.eng.Idle)
	run, _ = h.eng.Run(run.ID)
	require.Equal(t, []string{w2}, waitSteps(run.Waits))
	h.clk.Advance(2 * time.Hour)
	run = h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Empty(t, run.Waits)
	require.Contains(t, string(run.Output), `"payment":null`)
}

func waitSteps(ws []runtype.WaitInfo) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.StepID
	}
	return out
}

func TestStackCurrentOfTargetedCalls(t *testing.T) {
	t.Parallel()
	a, b := wire.HashID("a", 0), wire.HashID("b", 0)
	h := newHarness(t, engine.Options{MaxConcurrentCalls: 1}, func(c call) reply {
		switch target := c.StepID; target {
		case "step":
			if len(c.steps()) == 2 {
				return ok(`"done"`)
			}
			return ops(`{"op":"StepPlanned","id":"`+a+`","name":"a"}`, `{"op":"StepPlanned","id":"`+b+`","name":"b"}`)
		default:
			return ops(`{"op":"StepRun","id":"` + target + `","name":"x","data":1}`)
		}
	})
	h.mustRegister(h.fn("par", nil))
	id := h.send("test/par", map[string]any{})
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
	type stack struct {
		current, memo int
	}
	var got []stack
	for _, c := range h.app.Calls() {
		st := c.ctx()["stack"].(map[string]any)
		got = append(got, stack{int(st["current"].(float64)), len(c.steps())})
	}
	// Like the server: both targeted calls carry the planning call's index
	// (0), though the second one already has the first result memoized.
	require.Equal(t, []stack{{0, 0}, {0, 0}, {0, 1}, {2, 2}}, got)
}

func TestWaitExpressionPolicyWarning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		warn       bool
	}{
		{"restrictive", "async.data.id == event.data.id", false},
		{"macro", "async.data.ids.exists(x, x == event.data.id)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			w := wire.HashID("w", 0)
			h := newHarness(t, engine.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, func(c call) reply {
				if _, done := c.steps()[w]; done {
					return ok(string(mustJSON(c.steps()[w])))
				}
				return ops(`{"op":"WaitForEvent","id":"` + w + `","name":"w","opts":{"event":"test/match","timeout":"1h","if":` + string(mustJSON(tt.expr)) + `}}`)
			})
			h.mustRegister(h.fn("wait", nil))
			id := h.send("test/wait", map[string]any{"id": 3})
			run := h.waitRuns(id, 1)[0]
			require.Equal(t, runtype.StatusCompleted, run.Status, "the wait is registered either way")
			require.Equal(t, tt.warn, strings.Contains(logs.String(), "restrictive expression policy"), logs.String())
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
