package interop_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seed-b02f2472/inngest-go/engine"
)

func TestMain(m *testing.M) {
	// The subtests mostly wait for the Node app and for timers: run them all
	// at once unless -parallel says otherwise (its default is GOMAXPROCS).
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "32")
	}
	goleak.VerifyTestMain(m)
}

// appID is the id of the JavaScript app; function IDs are "<appID>-<fn>".
const appID = "interop-js"

// suite is the engine and the JavaScript app under test.
type suite struct {
	eng *engine.Engine
	app *jsApp
}

// newSuite starts an engine and the JavaScript app in dev mode, or, with a
// signing key, in cloud mode (signed calls and sync, event key required).
func newSuite(t *testing.T, signingKey string) *suite {
	const eventKey = "interop-event-key"
	opts := engine.Options{
		// A retried step waits 100 ms instead of the server's schedule.
		RetryBackoff: func(int) time.Duration { return 100 * time.Millisecond },
	}
	if signingKey != "" {
		opts.SigningKey, opts.EventKey = signingKey, eventKey
	}
	eng, err := engine.New(opts)
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		api.Close()
		require.NoError(t, eng.Close())
	})
	env := []string{"INNGEST_DEV=" + api.URL}
	if signingKey != "" {
		env = []string{"INNGEST_DEV=0", "INNGEST_BASE_URL=" + api.URL, "INNGEST_SIGNING_KEY=" + signingKey, "INNGEST_EVENT_KEY=" + eventKey}
	}
	s := &suite{eng: eng, app: startJSApp(t, env...)}
	require.NoError(t, eng.Sync(waitCtx(t), s.app.URL))
	return s
}

// send ingests one event and returns its ID.
func (s *suite) send(t *testing.T, name string, data any) string {
	ids := s.sendMany(t, map[string]any{"name": name, "data": data})
	require.Len(t, ids, 1)
	return ids[0]
}

// sendMany ingests several events in one request.
func (s *suite) sendMany(t *testing.T, evs ...map[string]any) []string {
	body, err := json.Marshal(evs)
	require.NoError(t, err)
	ids, err := s.eng.SendJSON(context.Background(), body)
	require.NoError(t, err)
	return ids
}

// run waits for the one run an event starts to end.
func (s *suite) run(t *testing.T, eventID string) runtype.Run {
	runs, err := s.eng.WaitForEventRuns(waitCtx(t), eventID, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	return runs[0]
}

// waitRun waits for a run that satisfies pred and returns it.
func (s *suite) waitRun(t *testing.T, pred func(runtype.Run) bool) runtype.Run {
	t.Helper()
	var found runtype.Run
	require.NoError(t, s.eng.WaitFor(waitCtx(t), func(runs []runtype.Run) bool {
		for _, r := range runs {
			if pred(r) {
				found = r
				return true
			}
		}
		return false
	}))
	return found
}

// completed asserts the run completed with this JSON output.
func completed(t *testing.T, r runtype.Run, output string) {
	t.Helper()
	require.Equal(t, runtype.StatusCompleted, r.Status, "run %s: %s %+v", r.ID, r.Output, r.Error)
	require.JSONEq(t, output, string(r.Output))
}

// boundedCalls asserts the app was called at most limit times for a run.
func (s *suite) boundedCalls(t *testing.T, r runtype.Run, limit int) {
	t.Helper()
	calls := s.app.RunCalls(r.ID)
	t.Logf("%d calls for run %s of %s", len(calls), r.ID, r.FunctionID)
	require.NotEmpty(t, calls)
	require.LessOrEqual(t, len(calls), limit, "calls for %s: %+v", r.FunctionID, calls)
	require.Equal(t, r.Calls, len(calls), "the engine's count of calls")
}

// TestJavaScriptSDK runs every function of js/app.js on the engine, the SDK in
// dev mode. The expected outputs are those the real server gave for the same
// functions (run by hand); call bounds are at or above its call counts.
func TestJavaScriptSDK(t *testing.T) {
	s := newSuite(t, "")
	t.Run("functions", func(t *testing.T) {
		t.Run("steps", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/steps", map[string]any{"n": 4}))
			completed(t, r, `{"a":5,"b":50}`)
			// The SDK ran both steps in one call and checkpointed them.
			require.Len(t, r.Steps, 2)
			for i, name := range []string{"first", "second"} {
				require.Equal(t, name, r.Steps[i].Name)
				require.True(t, r.Steps[i].Done)
			}
			s.boundedCalls(t, r, 4)
		})
		t.Run("sleep", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/sleep", map[string]any{}))
			require.Equal(t, runtype.StatusCompleted, r.Status, "%s", r.Output)
			var out struct{ SleptMs int64 }
			require.NoError(t, json.Unmarshal(r.Output, &out))
			require.GreaterOrEqual(t, out.SleptMs, int64(1000), "the run resumed before its 1s sleep ended")
			s.boundedCalls(t, r, 5)
		})
		t.Run("wait-matched", func(t *testing.T) {
			t.Parallel()
			id := s.send(t, "interop/wait", map[string]any{"id": 1, "timeout": "1m"})
			require.NoError(t, s.eng.WaitFor(waitCtx(t), func([]runtype.Run) bool {
				runs := must(s.eng.RunsForEvent(id))
				return len(runs) == 1 && len(runs[0].Waits) == 1
			}))
			require.Equal(t, "interop/approved", must(s.eng.RunsForEvent(id))[0].Waits[0].Event)
			s.send(t, "interop/approved", map[string]any{"id": 2, "by": "nobody"})
			s.send(t, "interop/approved", map[string]any{"id": 1, "by": "ann"})
			completed(t, s.run(t, id), `{"approved":true,"by":"ann"}`)
		})
		t.Run("wait-timed-out", func(t *testing.T) {
			t.Parallel()
			id := s.send(t, "interop/wait", map[string]any{"id": 3, "timeout": "1s"})
			completed(t, s.run(t, id), `{"approved":false,"by":null}`)
		})
		t.Run("send-fan-out", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/fanout", map[string]any{}))
			require.Equal(t, runtype.StatusCompleted, r.Status, "%s", r.Output)
			var out struct{ IDs []string }
			require.NoError(t, json.Unmarshal(r.Output, &out))
			require.Len(t, out.IDs, 3)
			for i, id := range out.IDs {
				child := s.run(t, id)
				require.Equal(t, appID+"-child", child.FunctionID)
				completed(t, child, `{"doubled":`+string(rune('0'+2*(i+1)))+`}`)
			}
		})
		t.Run("invoke", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/invoke", map[string]any{}))
			completed(t, r, `{"child":{"doubled":42}}`)
			var children []runtype.Run
			for _, c := range must(s.eng.Runs()) {
				if c.ParentRunID == r.ID {
					children = append(children, c)
				}
			}
			require.Len(t, children, 1)
			require.Equal(t, appID+"-child", children[0].FunctionID)
		})
		t.Run("parallel", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/parallel", map[string]any{}))
			completed(t, r, `{"parts":"ABC"}`)
			s.boundedCalls(t, r, 8)
		})
		t.Run("retried-step", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/retry", map[string]any{}))
			completed(t, r, `{"attempt":1}`)
			require.Len(t, r.Steps, 1)
			require.Equal(t, 2, r.Steps[0].Attempts)
			require.NotNil(t, r.Steps[0].LastError)
			require.Equal(t, "first attempt fails", r.Steps[0].LastError.Message)
		})
		t.Run("non-retriable-failure", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/failing", map[string]any{}))
			require.Equal(t, runtype.StatusFailed, r.Status, "%s", r.Output)
			require.NotNil(t, r.Error)
			require.Contains(t, r.Error.Message, "no point retrying")
			s.boundedCalls(t, r, 3)
		})
		t.Run("concurrency", func(t *testing.T) {
			t.Parallel()
			ids := s.sendMany(t,
				map[string]any{"name": "interop/limited", "data": map[string]any{}},
				map[string]any{"name": "interop/limited", "data": map[string]any{}},
				map[string]any{"name": "interop/limited", "data": map[string]any{}})
			for _, id := range ids {
				completed(t, s.run(t, id), `{"seen":1}`)
			}
		})
		t.Run("on-failure", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/on-failure", map[string]any{}))
			require.Equal(t, runtype.StatusFailed, r.Status, "%s", r.Output)
			handler := s.waitRun(t, func(c runtype.Run) bool {
				return c.FunctionID == appID+"-with-on-failure-failure" && c.Status.Done()
			})
			completed(t, handler, `{"failedWith":"boom","original":"interop/on-failure"}`)
		})
		t.Run("cancel-on", func(t *testing.T) {
			t.Parallel()
			id := s.send(t, "interop/cancellable", map[string]any{"id": 9})
			require.NoError(t, s.eng.WaitFor(waitCtx(t), func([]runtype.Run) bool {
				runs := must(s.eng.RunsForEvent(id))
				return len(runs) == 1 && len(runs[0].Steps) == 1
			}))
			s.send(t, "interop/cancel", map[string]any{"id": 8})
			s.send(t, "interop/cancel", map[string]any{"id": 9})
			require.Equal(t, runtype.StatusCancelled, s.run(t, id).Status)
		})
		t.Run("batch", func(t *testing.T) {
			t.Parallel()
			ids := s.sendMany(t,
				map[string]any{"name": "interop/batch", "data": map[string]any{"n": 1}},
				map[string]any{"name": "interop/batch", "data": map[string]any{"n": 2}},
				map[string]any{"name": "interop/batch", "data": map[string]any{"n": 3}})
			r := s.waitRun(t, func(c runtype.Run) bool { return c.FunctionID == appID+"-batch" && c.Status.Done() })
			require.Equal(t, runtype.StatusCompleted, r.Status, "%s", r.Output)
			require.ElementsMatch(t, ids, r.EventIDs)
			var out struct{ Ns []int }
			require.NoError(t, json.Unmarshal(r.Output, &out))
			require.ElementsMatch(t, []int{1, 2, 3}, out.Ns)
		})
		t.Run("debounce", func(t *testing.T) {
			t.Parallel()
			ids := s.sendMany(t,
				map[string]any{"name": "interop/debounce", "data": map[string]any{"key": "a", "n": 1}},
				map[string]any{"name": "interop/debounce", "data": map[string]any{"key": "a", "n": 2}},
				map[string]any{"name": "interop/debounce", "data": map[string]any{"key": "a", "n": 3}})
			r := s.waitRun(t, func(c runtype.Run) bool { return c.FunctionID == appID+"-debounced" && c.Status.Done() })
			completed(t, r, `{"last":3}`)
			require.Equal(t, []string{ids[2]}, r.EventIDs)
		})
		t.Run("sleep-until", func(t *testing.T) {
			t.Parallel()
			until := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
			r := s.run(t, s.send(t, "interop/sleep-until", map[string]any{"until": until}))
			completed(t, r, `true`)
		})
		t.Run("function-finished", func(t *testing.T) {
			t.Parallel()
			s.run(t, s.send(t, "interop/steps", map[string]any{"n": 1}))
			r := s.waitRun(t, func(c runtype.Run) bool {
				return c.FunctionID == appID+"-on-finished" && c.Status.Done() && strings.Contains(string(c.Output), `"a":2`)
			})
			completed(t, r, `{"fn":"interop-js-steps","result":{"a":2,"b":20}}`)
		})
		t.Run("invoke-failing", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/invoke-failing", map[string]any{}))
			completed(t, r, `{"caught":"NonRetriableError: no point retrying"}`)
		})
		t.Run("edges", func(t *testing.T) {
			t.Parallel()
			echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(b))
			}))
			t.Cleanup(echo.Close)
			id := s.send(t, "interop/edges", map[string]any{"id": 5, "url": echo.URL + "/echo"})
			require.NoError(t, s.eng.WaitFor(waitCtx(t), func([]runtype.Run) bool {
				runs := must(s.eng.RunsForEvent(id))
				return len(runs) == 1 && len(runs[0].Waits) == 1 || len(runs) == 1 && runs[0].Status.Done()
			}))
			s.send(t, "interop/edges.ok", map[string]any{"id": 4, "by": "nobody"})
			s.send(t, "interop/edges.ok", map[string]any{"id": 5, "by": "bob"})
			// As on the server: undefined is memoized as null, and step.fetch
			// sends its string body JSON-encoded.
			completed(t, s.run(t, id), `{"nothing":null,"later":"now","fetched":"POST /echo?q=1 \"ping\"","status":201,"by":"bob"}`)
		})
		t.Run("rate-limit", func(t *testing.T) {
			t.Parallel()
			evs := make([]map[string]any, 10)
			for i := range evs {
				evs[i] = map[string]any{"name": "interop/rate-limited", "data": map[string]any{"key": "r", "n": i}}
			}
			ids := s.sendMany(t, evs...)
			// As on the server: 10 events at once against 10 per minute start 2
			// runs (the burst is a tenth of the limit), the rest are dropped.
			var started []runtype.Run
			for _, id := range ids {
				if len(must(s.eng.RunsForEvent(id))) > 0 {
					started = append(started, s.run(t, id))
				}
			}
			require.Len(t, started, 2)
			for _, r := range started {
				require.Equal(t, runtype.StatusCompleted, r.Status)
			}
		})
		t.Run("throttle", func(t *testing.T) {
			t.Parallel()
			evs := make([]map[string]any, 4)
			for i := range evs {
				evs[i] = map[string]any{"name": "interop/throttled", "data": map[string]any{"n": i}}
			}
			for _, id := range s.sendMany(t, evs...) {
				require.Equal(t, runtype.StatusCompleted, s.run(t, id).Status)
			}
		})
		t.Run("singleton-skip", func(t *testing.T) {
			t.Parallel()
			ids := s.sendMany(t,
				map[string]any{"name": "interop/single", "data": map[string]any{"key": "s", "n": 1}},
				map[string]any{"name": "interop/single", "data": map[string]any{"key": "s", "n": 2}})
			r := s.run(t, ids[0])
			completed(t, r, `{"n":1}`)
			require.Empty(t, must(s.eng.RunsForEvent(ids[1])), "the second run is skipped while the first holds the singleton key")
		})
		t.Run("finish-timeout", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/timed-out", map[string]any{}))
			require.Equal(t, runtype.StatusCancelled, r.Status, "%s", r.Output)
		})
		t.Run("classic-protocol", func(t *testing.T) {
			t.Parallel()
			// checkpointing: false: one step per call, as the server calls it
			// (7 calls there).
			r := s.run(t, s.send(t, "interop/classic", map[string]any{}))
			completed(t, r, `{"a":1,"b":2,"c":3,"d":5}`)
			require.Len(t, r.Steps, 5)
			s.boundedCalls(t, r, 7)
		})
		t.Run("many-steps", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "interop/many", map[string]any{}))
			completed(t, r, `{"sum":300}`)
			require.Len(t, r.Steps, 25)
			s.boundedCalls(t, r, 2)
		})
		t.Run("use-api", func(t *testing.T) {
			t.Parallel()
			// 5 MiB of memoized steps: the call after the sleep carries none of
			// them (use_api), and the SDK loads them from the engine's API.
			r := s.run(t, s.send(t, "interop/big", map[string]any{}))
			M := 1 << 20
			completed(t, r, fmt.Sprintf(`{"lengths":[%d,%d,%d,%d,%d],"heads":"01234"}`, M, M, M, M, M))
			s.boundedCalls(t, r, 2)
			calls := s.app.RunCalls(r.ID)
			require.True(t, calls[1].UseAPI, "%+v", calls[1])
			require.Less(t, calls[1].Bytes, M)
		})
		t.Run("invoke-errors", func(t *testing.T) {
			t.Parallel()
			// The same errors as on the server.
			r := s.run(t, s.send(t, "interop/invoke-errors", map[string]any{}))
			completed(t, r, `{"failed":{"name":"Error","message":"always fails"},`+
				`"timedOut":{"name":"InngestInvokeTimeoutError","message":"Timed out waiting for invoked function to complete"}}`)
			child := s.waitRun(t, func(c runtype.Run) bool { return c.ParentRunID == r.ID && c.FunctionID == appID+"-exhausted" })
			require.Equal(t, runtype.StatusFailed, child.Status)
			// StepError, then StepFailed on the retry, then the function's error
			// (3 calls on the server too).
			s.boundedCalls(t, child, 3)
			require.Len(t, s.app.RunCalls(child.ID), 3)
		})
		t.Run("idempotency", func(t *testing.T) {
			t.Parallel()
			ids := s.sendMany(t,
				map[string]any{"name": "interop/once", "data": map[string]any{"key": "k1"}},
				map[string]any{"name": "interop/once", "data": map[string]any{"key": "k1"}},
				map[string]any{"name": "interop/once", "data": map[string]any{"key": "k2"}})
			completed(t, s.run(t, ids[0]), `{"key":"k1"}`)
			completed(t, s.run(t, ids[2]), `{"key":"k2"}`)
			require.Empty(t, must(s.eng.RunsForEvent(ids[1])), "a second event with the same idempotency key starts no run")
		})
	})

	// Every call names exactly one step (the SDK reads the first stepId), and
	// no run was called more often than its steps need.
	calls := s.app.All()
	for _, c := range calls {
		if c.Method == http.MethodPost {
			require.Len(t, c.StepIDs, 1, "a call names one stepId: %+v", c)
		}
	}
	// Runs started by lifecycle events may still be going.
	require.NoError(t, s.eng.WaitFor(waitCtx(t), func(runs []runtype.Run) bool {
		for _, r := range runs {
			if !r.Status.Done() {
				return false
			}
		}
		return true
	}))
	runs := must(s.eng.Runs())
	t.Logf("%d runs, %d requests to the app", len(runs), len(calls))
	for _, r := range runs {
		require.LessOrEqual(t, len(s.app.RunCalls(r.ID)), 10, "run %s of %s", r.ID, r.FunctionID)
	}
}

// TestJavaScriptSDKSigned runs a few functions with the SDK in cloud mode:
// the engine signs its calls and the SDK checks them, the SDK signs its sync
// and sends events with the event key.
func TestJavaScriptSDKSigned(t *testing.T) {
	s := newSuite(t, "signkey-test-0123456789abcdef")
	t.Run("steps", func(t *testing.T) {
		t.Parallel()
		completed(t, s.run(t, s.send(t, "interop/steps", map[string]any{"n": 4})), `{"a":5,"b":50}`)
	})
	t.Run("parallel", func(t *testing.T) {
		t.Parallel()
		completed(t, s.run(t, s.send(t, "interop/parallel", map[string]any{})), `{"parts":"ABC"}`)
	})
	t.Run("invoke", func(t *testing.T) {
		t.Parallel()
		completed(t, s.run(t, s.send(t, "interop/invoke", map[string]any{})), `{"child":{"doubled":42}}`)
	})
	t.Run("send-fan-out", func(t *testing.T) {
		t.Parallel()
		r := s.run(t, s.send(t, "interop/fanout", map[string]any{}))
		require.Equal(t, runtype.StatusCompleted, r.Status, "%s", r.Output)
		var out struct{ IDs []string }
		require.NoError(t, json.Unmarshal(r.Output, &out))
		require.Len(t, out.IDs, 3)
		for _, id := range out.IDs {
			require.Equal(t, runtype.StatusCompleted, s.run(t, id).Status)
		}
	})
}
