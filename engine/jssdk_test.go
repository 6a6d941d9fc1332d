package engine_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// The official JavaScript SDK sends the awaited event's name in the op's name
// and leaves opts.event out; the server falls back to the name.
func TestWaitForEventNameFallback(t *testing.T) {
	t.Parallel()
	w := wire.HashID("wait-approval", 0)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if v, has := c.steps()[w]; has {
			return ok(string(mustJSON(map[string]any{"approval": v})))
		}
		return ops(`{"op":"WaitForEvent","id":"` + w + `","name":"test/approved","displayName":"wait-approval","opts":{"timeout":"1h","if":"event.data.id == async.data.id"}}`)
	})
	h.mustRegister(h.fn("jswait", nil))
	id := h.send("test/jswait", map[string]any{"id": 3})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	run := must(h.eng.RunsForEvent(id))[0]
	require.Len(t, run.Waits, 1)
	require.Equal(t, "test/approved", run.Waits[0].Event)

	h.send("test/approved", map[string]any{"id": 3})
	run = h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Contains(t, string(run.Output), `"name":"test/approved"`)
}

// The official JavaScript SDK registers step URLs that already hold
// stepId=step; the server replaces the parameter rather than appending a
// second one, and that SDK reads the first value.
func TestStepIDQueryReplaced(t *testing.T) {
	t.Parallel()
	a, b := wire.HashID("a", 0), wire.HashID("b", 0)
	var mu sync.Mutex
	var queries []url.Values
	h := newHarness(t, engine.Options{}, func(c call) reply { return reply{} })
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		queries = append(queries, q)
		n := len(queries)
		mu.Unlock()
		var rep reply
		switch target := q.Get("stepId"); {
		case n > 20:
			rep = reply{Status: 500, Body: `"runaway"`}
		case target == "step":
			// Discovery: plan both steps, or finish once both are memoized.
			var req struct {
				Steps map[string]any `json:"steps"`
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			if len(req.Steps) == 2 {
				rep = ok(`"done"`)
			} else {
				rep = ops(`{"op":"StepPlanned","id":"`+a+`","name":"a"}`, `{"op":"StepPlanned","id":"`+b+`","name":"b"}`)
			}
		default:
			rep = ops(`{"op":"StepRun","id":"` + target + `","name":"x","data":1}`)
		}
		for k, v := range sdkHeaders {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.Status)
		_, _ = w.Write([]byte(rep.Body))
	}))
	t.Cleanup(app.Close)
	fn := h.fn("jsurl", nil)
	fn["steps"] = map[string]any{"step": map[string]any{"id": "step", "name": "jsurl",
		"runtime": map[string]any{"url": app.URL + "/api/inngest?fnId=app-jsurl&stepId=step"}}}
	body := mustJSON(map[string]any{"v": "1", "url": app.URL + "/api/inngest", "deployType": "ping",
		"sdk": "js:v4.0.0", "appName": "app", "functions": []any{fn}})
	status, out := h.post("/fn/register", body, nil)
	require.Equal(t, 200, status, "%v", out)

	id := h.send("test/jsurl", map[string]any{})
	require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, queries, 4)
	for _, q := range queries {
		require.Len(t, q["stepId"], 1, "%v", q)
		require.Equal(t, "app-jsurl", q.Get("fnId"))
	}
}

// The server sends a step.fetch body that is not JSON JSON-encoded (as a
// JSON string) and a JSON body as it is; the JavaScript SDK sends the body it
// was given as a plain string.
func TestGatewayBodyEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, sent string }{
		{"text", "ping", `"ping"`},
		{"json object", `{"a":1}`, `{"a":1}`},
		{"json string", `"quoted"`, `"quoted"`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 1)
			remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- string(b)
			}))
			t.Cleanup(remote.Close)
			fetch := wire.HashID("fetch", 0)
			opts, _ := json.Marshal(map[string]any{"url": remote.URL, "method": "POST", "headers": map[string]string{}, "body": tt.body})
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if _, done := c.steps()[fetch]; done {
					return ok(`"done"`)
				}
				return ops(`{"op":"Gateway","id":"` + fetch + `","name":"fetch","opts":` + string(opts) + `}`)
			})
			h.mustRegister(h.fn("gwbody", nil))
			id := h.send("test/gwbody", map[string]any{})
			require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
			require.Equal(t, tt.sent, <-got)
		})
	}
}
