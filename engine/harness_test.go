package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// t0 is the virtual start time of every test.
var t0 = time.Date(2026, 11, 26, 20, 58, 0, 0, time.UTC)

// call is one request the fake app received.
type call struct {
	FnID, StepID string
	Header       http.Header
	Body         []byte
	Req          map[string]any
}

func (c call) ctx() map[string]any { return c.Req["ctx"].(map[string]any) }
func (c call) steps() map[string]any {
	s, _ := c.Req["steps"].(map[string]any)
	return s
}

// reply is a scripted SDK response.
type reply struct {
	Status  int
	Body    string
	Headers map[string]string
}

// sdkHeaders are the headers inngestgo puts on every reply.
var sdkHeaders = map[string]string{"X-Inngest-Sdk": "go:v0.15.1", "X-Inngest-Req-Version": "2", "Content-Type": "application/json"}

// fakeApp is an httptest server answering calls like an inngestgo app.
type fakeApp struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	calls   []call
	handler func(c call) reply
}

func newFakeApp(t testing.TB, handler func(c call) reply) *fakeApp {
	a := &fakeApp{t: t, handler: handler}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeApp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := call{FnID: r.URL.Query().Get("fnId"), StepID: r.URL.Query().Get("stepId"), Header: r.Header.Clone(), Body: body}
	_ = json.Unmarshal(body, &c.Req)
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
	rep := a.handler(c)
	for k, v := range sdkHeaders {
		w.Header().Set(k, v)
	}
	for k, v := range rep.Headers {
		if v == "" {
			w.Header().Del(k)
		} else {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

func (a *fakeApp) Calls() []call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]call(nil), a.calls...)
}

// harness is an engine served over HTTP plus a fake app.
type harness struct {
	t   testing.TB
	eng *engine.Engine
	api *httptest.Server
	app *fakeApp
	clk *engine.VirtualClock
}

func newHarness(t testing.TB, opts engine.Options, handler func(c call) reply) *harness {
	h := &harness{t: t}
	if opts.Clock == nil {
		h.clk = engine.NewVirtualClock(t0)
		h.clk.SetAutoAdvance(true)
		opts.Clock = h.clk
	} else {
		h.clk, _ = opts.Clock.(*engine.VirtualClock)
	}
	if opts.RetryBackoff == nil {
		opts.RetryBackoff = func(int) time.Duration { return 34 * time.Second }
	}
	if opts.Store == nil {
		opts.Store = memstore.NewChecked()
	}
	eng, err := engine.New(opts)
	require.NoError(t, err)
	h.eng = eng
	h.api = httptest.NewServer(eng.Handler())
	h.app = newFakeApp(t, handler)
	t.Cleanup(func() {
		h.api.Close()
		require.NoError(t, eng.Close())
	})
	return h
}

// fn builds a minimal function definition for the fake app.
func (h *harness) fn(slug string, extra map[string]any) map[string]any {
	id := "app-" + slug
	f := map[string]any{
		"id": id, "name": slug,
		"triggers": []any{map[string]any{"event": "test/" + slug}},
		"steps": map[string]any{"step": map[string]any{"id": "step", "name": slug,
			"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=" + id + "&step=step"}}},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// register posts a sync with these functions and returns the response.
func (h *harness) register(fns ...map[string]any) (int, map[string]any) {
	body, _ := json.Marshal(map[string]any{"v": "1", "url": h.app.srv.URL + "/api/inngest", "deployType": "ping",
		"sdk": "go:v0.15.1", "appName": "app", "functions": fns})
	return h.post("/fn/register", body, nil)
}

func (h *harness) mustRegister(fns ...map[string]any) {
	status, out := h.register(fns...)
	require.Equal(h.t, 200, status, "%v", out)
}

func (h *harness) post(path string, body []byte, hdr map[string]string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodPost, h.api.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (h *harness) get(path string) (int, map[string]any) {
	resp, err := http.Get(h.api.URL + path)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// send posts one event and returns its ID.
func (h *harness) send(name string, data any) string {
	body, _ := json.Marshal(map[string]any{"name": name, "data": data})
	status, out := h.post("/e/test", body, nil)
	require.Equal(h.t, 200, status, "%v", out)
	ids := out["ids"].([]any)
	require.Len(h.t, ids, 1)
	return ids[0].(string)
}

func (h *harness) waitRuns(eventID string, n int) []runtype.Run {
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	runs, err := h.eng.WaitForEventRuns(ctx, eventID, n)
	require.NoError(h.t, err)
	return runs
}

// waitBound bounds the tests' waits for a condition. It only matters when the
// condition is never reached: it is generous because the race detector and a
// loaded machine slow the engine down by an order of magnitude (a run moving
// megabytes of step data took 8 s under -race on a loaded 2-core machine).
const waitBound = time.Minute

// waitUntil polls cond (for states with no engine notification, e.g. app calls).
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ops builds a 206 reply from op JSON objects.
func ops(list ...string) reply {
	return reply{Status: 206, Body: "[" + strings.Join(list, ",") + "]"}
}

func ok(body string) reply { return reply{Status: 200, Body: body} }
