package inngesttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// mockEntry is a memoized value injected for a step.
type mockEntry struct {
	hash  string
	value json.RawMessage
	seq   uint64 // later mocks of the same step win
}

// MockStep makes step stepID of function fn (a slug or a full id) return result
// without running its code, in every run from now on: the step is handed result
// as if it had already run (step.Run, step.SendEvent and step.Invoke decode it
// as their result type). A repeated id in a loop is addressed as "id:n" (n ≥ 1
// for the second and later uses). The engine never sees a mocked step run, so
// it does not appear in Run.Steps.
func (e *Env) MockStep(fn, stepID string, result any) {
	e.t.Helper()
	data, err := jsoncodec.Marshal(result)
	if err != nil {
		e.t.Fatalf("inngesttest: encoding the mock result of step %q: %v", stepID, err)
	}
	v, _ := jsoncodec.Marshal(struct {
		Data json.RawMessage `json:"data"`
	}{data})
	e.addMock(fn, stepID, v)
}

// MockStepError makes step stepID of function fn fail for good with err's
// message, without running its code: the step tool returns an
// *inngest.StepError, which fails the run unless the function handles it.
func (e *Env) MockStepError(fn, stepID string, err error) {
	e.t.Helper()
	msg := "mocked step error"
	if err != nil {
		msg = err.Error()
	}
	v, _ := jsoncodec.Marshal(struct {
		Error wire.MemoError `json:"error"`
	}{wire.MemoError{Name: "Error", Message: msg}})
	e.addMock(fn, stepID, v)
}

// ClearMocks removes every mock of function fn (a slug or a full id; both
// spellings are cleared).
func (e *Env) ClearMocks(fn string) {
	ids := e.appIDs()
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range e.mocks {
		if k == fn {
			delete(e.mocks, k)
			continue
		}
		for _, a := range ids {
			if a+"-"+k == fn || a+"-"+fn == k {
				delete(e.mocks, k)
			}
		}
	}
}

func (e *Env) addMock(fn, stepID string, v json.RawMessage) {
	id, n := stepID, 0
	if i := strings.LastIndexByte(stepID, ':'); i > 0 {
		if k, err := strconv.Atoi(stepID[i+1:]); err == nil && k > 0 {
			id, n = stepID[:i], k
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.mocks[fn]
	if m == nil {
		m = map[string]mockEntry{}
		e.mocks[fn] = m
	}
	e.mockSeq++
	m[stepID] = mockEntry{hash: wire.HashID(id, n), value: v, seq: e.mockSeq}
}

// mocksFor returns the mocks that apply to the function with full id fullID of
// app appID.
func (e *Env) mocksFor(appID, fullID string) []mockEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	byHash := map[string]mockEntry{}
	for fn, m := range e.mocks {
		if fn != fullID && appID+"-"+fn != fullID {
			continue
		}
		for _, me := range m {
			if old, ok := byHash[me.hash]; !ok || me.seq > old.seq {
				byHash[me.hash] = me
			}
		}
	}
	out := make([]mockEntry, 0, len(byHash))
	for _, me := range byHash {
		out = append(out, me)
	}
	return out
}

// inject adds mocks to a memo map that lacks them; it reports whether it did.
func inject(steps map[string]json.RawMessage, mocks []mockEntry) bool {
	changed := false
	for _, m := range mocks {
		if _, ok := steps[m.hash]; !ok {
			steps[m.hash] = m.value
			changed = true
		}
	}
	return changed
}

// mockHandler wraps an app's serve handler: calls for functions with mocks get
// the mocked steps' results added to their memoized state before the SDK sees
// them, on every call, so mocks hold through replays.
func (e *Env) mockHandler(appID string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fnID := r.URL.Query().Get("fnId")
		if r.Method != http.MethodPost || fnID == "" {
			h.ServeHTTP(w, r)
			return
		}
		mocks := e.mocksFor(appID, fnID)
		if len(mocks) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "inngesttest: reading call body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if nb, ok := injectCall(body, mocks); ok {
			body = nb
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		h.ServeHTTP(w, r)
	})
}

// injectCall adds mocks to the steps of a call request body.
func injectCall(body []byte, mocks []mockEntry) ([]byte, bool) {
	var req map[string]json.RawMessage
	if jsoncodec.Unmarshal(body, &req) != nil {
		return nil, false
	}
	steps := map[string]json.RawMessage{}
	if raw := req["steps"]; len(raw) > 0 {
		_ = jsoncodec.Unmarshal(raw, &steps)
		if steps == nil {
			steps = map[string]json.RawMessage{}
		}
	}
	if !inject(steps, mocks) {
		return nil, false
	}
	req["steps"], _ = jsoncodec.Marshal(steps)
	out, err := jsoncodec.Marshal(req)
	return out, err == nil
}

// apiHandler wraps the engine's API so that state fetched through the API
// (calls with use_api, for large state) carries the mocks too.
func (e *Env) apiHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runID, ok := actionsRun(r)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		run, err := e.eng.Run(runID)
		var mocks []mockEntry
		if err == nil {
			for _, a := range e.appIDs() {
				if run.AppID == a {
					mocks = e.mocksFor(a, run.FunctionID)
				}
			}
		}
		if len(mocks) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			steps := map[string]json.RawMessage{}
			if jsoncodec.Unmarshal(body, &steps) == nil && steps != nil && inject(steps, mocks) {
				body, _ = jsoncodec.Marshal(steps)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// actionsRun matches GET /v0/runs/{run}/actions.
func actionsRun(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v0/runs/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/actions")
	return id, ok && id != "" && !strings.Contains(id, "/")
}
