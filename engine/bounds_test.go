package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestTimeoutTooLongFailsTheRun checks the server's bound on sleeps and wait
// timeouts (366 days, state.boundedSleepDuration and WaitForEventOpts.Expires):
// beyond it the run fails at once, without retries, with the
// InngestErrTimeoutTooLong error the server gives it (recorded in
// testdata/realserver/probe-timeout-too-long.json). Within it the sleep stands.
func TestTimeoutTooLongFailsTheRun(t *testing.T) {
	t.Parallel()
	far := t0.AddDate(2, 0, 0).Format(time.RFC3339)
	sleepMsg := func(d string) string {
		return `The sleep "` + d + `" ends more than one year in the future; sleeps may last at most one year.`
	}
	waitMsg := `The wait-for-event timeout "400d" expires more than one year in the future; timeouts may last at most one year.`
	for _, tc := range []struct {
		name, op, msg string
	}{
		{"sleep 400d", `{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"400d"}}`, sleepMsg("400d")},
		{"sleep until in two years", `{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"` + far + `"}}`, sleepMsg(far)},
		{"sleep name fallback", `{"op":"Sleep","id":"nap","name":"400d"}`, sleepMsg("400d")},
		{"wait 400d", `{"op":"WaitForEvent","id":"w","name":"w","opts":{"event":"test/never","timeout":"400d"}}`, waitMsg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if len(c.steps()) == 0 {
					return ops(tc.op)
				}
				return ok(`"woke"`)
			})
			h.mustRegister(h.fn("long", nil))
			id := h.send("test/long", map[string]any{})
			run := h.waitRuns(id, 1)[0]
			require.Equal(t, runtype.StatusFailed, run.Status)
			require.Len(t, h.app.Calls(), 1, "no retry, no further call")
			want, _ := json.Marshal(map[string]any{"error": map[string]string{
				"error": "InngestErrTimeoutTooLong: " + tc.msg, "name": "InngestErrTimeoutTooLong", "message": tc.msg}})
			require.JSONEq(t, string(want), string(run.Output))
			require.Equal(t, &runtype.RunError{Name: "InngestErrTimeoutTooLong", Message: tc.msg, NoRetry: true}, run.Error)
		})
	}
}

// TestSleepAtTheBoundStands: 366 days is still accepted.
func TestSleepAtTheBoundStands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if len(c.steps()) == 0 {
			return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"366d"}}`)
		}
		return ok(`"woke"`)
	})
	h.mustRegister(h.fn("long", nil))
	id := h.send("test/long", map[string]any{})
	run := h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Equal(t, t0.Add(366*24*time.Hour), run.EndedAt)
}

// TestTimeoutTooLongLifecycleEvent checks function.failed of such a run as
// the server sends it: result is the run's output as a JSON string, and error
// is {error: the error's name, message: that string, name: "Error"}.
func TestTimeoutTooLongLifecycleEvent(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 1)
	h := newHarness(t, engine.Options{}, func(c call) reply {
		if c.FnID == "app-watch" {
			got <- c.Req["event"].(map[string]any)
			return ok(`1`)
		}
		return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"400d"}}`)
	})
	h.mustRegister(h.fn("long", nil), h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed"}}}))
	id := h.send("test/long", map[string]any{})
	run := h.waitRuns(id, 1)[0]
	ev := <-got
	data := ev["data"].(map[string]any)
	require.Equal(t, string(run.Output), data["result"])
	require.Equal(t, map[string]any{"error": "InngestErrTimeoutTooLong", "message": string(run.Output), "name": "Error"}, data["error"])
}

// TestCancelOnDefaultTimeout: a cancelOn without a timeout lasts 365 days, the
// server's consts.CancelTimeout; a cancelling event after that cancels
// nothing.
func TestCancelOnDefaultTimeout(t *testing.T) {
	t.Parallel()
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk}, func(c call) reply {
		if len(c.steps()) == 0 {
			return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"366d"}}`)
		}
		return ok(`"woke"`)
	})
	h.mustRegister(h.fn("long", map[string]any{"cancel": []any{map[string]any{"event": "test/stop"}}}))
	id := h.send("test/long", map[string]any{})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	clk.Advance(365*24*time.Hour + time.Minute)
	waitUntil(t, h.eng.Idle)
	h.send("test/stop", map[string]any{})
	waitUntil(t, h.eng.Idle)
	require.Equal(t, runtype.StatusRunning, must(h.eng.RunsForEvent(id))[0].Status, "the cancellation expired")
	clk.Advance(24 * time.Hour)
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
}

// TestMalformedDurationRetriesTheCall: a sleep, wait timeout or invoke timeout
// the server cannot parse makes it fail the handling of the response and retry
// the same call (same job, attempt + 1; probed on the dev server: "error
// handling generator response: time: invalid duration \"banana\""). The run
// never sleeps, waits or invokes; when the attempts are spent the engine fails
// it (the server kept retrying past the function's retries and left the run
// Running, see engine/README.md).
func TestMalformedDurationRetriesTheCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, op, msg string }{
		{"sleep", `{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"banana"}}`, `time: invalid duration "banana"`},
		{"sleep name", `{"op":"Sleep","id":"nap","name":"nap"}`, `time: invalid duration "nap"`},
		{"wait", `{"op":"WaitForEvent","id":"w","name":"w","opts":{"event":"test/never","timeout":"banana"}}`, `unable to parse wait for event expires: invalid duration "banana"`},
		{"invoke", `{"op":"InvokeFunction","id":"i","name":"i","opts":{"function_id":"app-bad","payload":{"data":{}},"timeout":"banana"}}`, `unable to parse invoke function expires: invalid duration "banana"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if len(c.steps()) == 0 {
					return ops(tc.op)
				}
				return ok(`"went on"`)
			})
			h.mustRegister(h.fn("bad", map[string]any{"steps": map[string]any{"step": map[string]any{"id": "step", "name": "bad",
				"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=app-bad"}, "retries": map[string]any{"attempts": 1}}}}))
			id := h.send("test/bad", map[string]any{})
			run := h.waitRuns(id, 1)[0]
			require.Equal(t, runtype.StatusFailed, run.Status)
			calls := h.app.Calls()
			require.Len(t, calls, 2, "the call is retried, nothing else runs")
			require.Equal(t, calls[0].ctx()["job_id"], calls[1].ctx()["job_id"])
			require.EqualValues(t, 1, calls[1].ctx()["attempt"])
			require.Empty(t, calls[1].steps())
			require.Contains(t, run.Error.Message, "error handling generator response: "+tc.msg)
			require.Len(t, runsOf(h.eng, "app-bad"), 1, "nothing invoked")
		})
	}
}

// TestTimeoutTooLongAsRecorded replays testdata/realserver/probe-timeout-too-long.json:
// ops the real dev server was sent (a sleep of 400 days, a sleep until a date
// two years ahead, a 400-day wait timeout), with the run API status and
// output it gave each run and the error and result of its function.failed.
func TestTimeoutTooLongAsRecorded(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "realserver", "probe-timeout-too-long.json"))
	require.NoError(t, err)
	var doc struct {
		Cases []struct {
			Name           string          `json:"name"`
			Op             json.RawMessage `json:"op"`
			Status         string          `json:"status"`
			Output         json.RawMessage `json:"output"`
			FunctionFailed map[string]any  `json:"function_failed"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Cases, 3)
	for _, tc := range doc.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			failed := make(chan map[string]any, 1)
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if c.FnID == "app-watch" {
					failed <- c.Req["event"].(map[string]any)["data"].(map[string]any)
					return ok(`1`)
				}
				return ops(string(tc.Op))
			})
			h.mustRegister(h.fn("long", nil), h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.failed"}}}))
			id := h.send("test/long", map[string]any{})
			run := h.waitRuns(id, 1)[0]
			status, out := h.get("/v1/runs/" + run.ID)
			require.Equal(t, 200, status)
			data := out["data"].(map[string]any)
			require.Equal(t, tc.Status, data["status"])
			require.JSONEq(t, string(tc.Output), string(mustJSON(data["output"])))
			ev := <-failed
			require.Equal(t, tc.FunctionFailed["error"], ev["error"])
			require.Equal(t, tc.FunctionFailed["result"], ev["result"], "the output as a JSON string, byte for byte")
		})
	}
}

// TestMalformedDurationAsRecorded replays
// testdata/realserver/probe-malformed-durations.json: the dev server retried
// the call of a sleep, wait or invoke it could not parse on the same job,
// attempt after attempt, on its retry table (the gaps between calls fall in
// the ranges of DefaultRetryBackoff). The engine, given as many attempts,
// makes the same calls with delays in the same ranges and then fails the run
// with the error the server logged (the server left it Running).
func TestMalformedDurationAsRecorded(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "realserver", "probe-malformed-durations.json"))
	require.NoError(t, err)
	var doc struct {
		Cases []struct {
			Name  string          `json:"name"`
			Op    json.RawMessage `json:"op"`
			Calls []struct {
				Attempt      int    `json:"attempt"`
				GenerationID int    `json:"generation_id"`
				JobID        string `json:"job_id"`
				OffsetMS     int64  `json:"offset_ms"`
			} `json:"calls"`
			Error string `json:"server_log_error"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Cases, 3)
	// The range of each retry's delay, from the engine's backoff.
	lo, hi := map[int]time.Duration{}, map[int]time.Duration{}
	for n := 1; n <= 10; n++ {
		lo[n], hi[n] = time.Duration(1<<62), 0
		for range 2000 {
			d := engine.DefaultRetryBackoff(n)
			lo[n], hi[n] = min(lo[n], d), max(hi[n], d)
		}
	}
	inRange := func(n int, d time.Duration) bool {
		// A second of slack each way for the dev server's queue polling.
		return d >= lo[n]-time.Second && d <= hi[n]+time.Second
	}
	for _, tc := range doc.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			n := len(tc.Calls)
			require.GreaterOrEqual(t, n, 6)
			for i, c := range tc.Calls {
				require.Equal(t, i, c.Attempt)
				require.Equal(t, i+1, c.GenerationID)
				require.Equal(t, tc.Calls[0].JobID, c.JobID)
				if i > 0 {
					gap := time.Duration(c.OffsetMS-tc.Calls[i-1].OffsetMS) * time.Millisecond
					require.True(t, inRange(i, gap), "recorded retry %d came %s after the previous call", i, gap)
				}
			}

			clk := engine.NewVirtualClock(t0)
			h := newHarness(t, engine.Options{Clock: clk, RetryBackoff: engine.DefaultRetryBackoff}, func(c call) reply {
				return ops(string(tc.Op))
			})
			h.mustRegister(h.fn("bad", map[string]any{"steps": map[string]any{"step": map[string]any{"id": "step", "name": "bad",
				"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=app-bad"}, "retries": map[string]any{"attempts": n - 1}}}}))
			id := h.send("test/bad", map[string]any{})
			for i := 1; i < n; i++ {
				waitUntil(t, func() bool { return len(h.app.Calls()) == i && h.eng.Idle() })
				run := must(h.eng.RunsForEvent(id))[0]
				var delay time.Duration
				for _, it := range run.History {
					if it.Kind == "retry" {
						_, after, _ := strings.Cut(it.Detail, " in ")
						d, perr := time.ParseDuration(after) // err is shared by the parallel subtests
						require.NoError(t, perr)
						delay = d
					}
				}
				require.True(t, inRange(i, delay), "engine retry %d after %s", i, delay)
				clk.Advance(delay)
			}
			run := h.waitRuns(id, 1)[0]
			calls := h.app.Calls()
			require.Len(t, calls, n)
			for i, c := range calls {
				require.EqualValues(t, i, c.ctx()["attempt"])
				require.EqualValues(t, i+1, c.ctx()["generation_id"])
				require.Equal(t, calls[0].ctx()["job_id"], c.ctx()["job_id"])
			}
			require.Equal(t, runtype.StatusFailed, run.Status)
			require.Equal(t, tc.Error, run.Error.Message)
		})
	}
}
