package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/hs256"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// Durable endpoints (the server's sync runs, RunModeSync): an SDK runs the
// steps of an ordinary HTTP handler inline and creates the run itself through
// the checkpoint API. Such a run has no call queued; the engine calls the app
// only when the run must go on asynchronously (a step error, a panic, a step
// that waits, a discovery request), and then it calls the request's own URL
// with the request's method, query and body, as the server's httpv2 driver
// does. The run's function is not synced: it is made from the run's event
// (an inngest/http.request) and is rebuilt from it after a restart.

// maxNewRunBytes bounds the body of POST /v1/checkpoint (the server reads at
// most its step input limit).
const maxNewRunBytes = 4 << 20

type endpointEvent struct {
	ID   string               `json:"id,omitempty"`
	Name string               `json:"name"`
	Data wire.EndpointRequest `json:"data"`
	TS   int64                `json:"ts,omitempty"`
}

// endpointFn marks a function made for durable endpoint runs.
type endpointFn struct{}

// endpointCall is what an endpoint call sends besides its body and URL.
type endpointCall struct {
	method, contentType string
}

// endpointFnLocked returns (making it when needed) the function of the
// endpoint runs of d.
func (e locked) endpointFnLocked(d wire.EndpointRequest, maxAttempts int) *fnState {
	appName := d.Domain
	id := appName + "-" + d.Slug()
	if fn := e.s.fns[id]; fn != nil && fn.endpoint != nil {
		if maxAttempts > 0 {
			fn.maxAttempts = maxAttempts
		}
		return fn
	}
	app := &appState{rec: enginestore.AppRecord{ID: appUUID(appName), Name: appName, URL: d.Domain}}
	fn := &fnState{app: app, id: id, uuid: fnUUID(app.rec.ID, d.Slug()), url: d.Domain,
		maxAttempts: max(maxAttempts, 1), endpoint: &endpointFn{},
		def: wire.Function{ID: id, Name: d.Slug()}}
	app.fns = []*fnState{fn}
	e.s.fns[id] = fn
	return fn
}

// endpointRunFnLocked is the function of an endpoint run whose function is
// not in memory (after a restart), made from its event; nil for other runs.
func (e locked) endpointRunFnLocked(r *runState) *fnState {
	if len(r.Events) == 0 {
		return nil
	}
	var ev endpointEvent
	if jsoncodec.Unmarshal(r.Events[0], &ev) != nil || ev.Name != wire.EndpointEventName {
		return nil
	}
	return e.endpointFnLocked(ev.Data, r.MaxAttempts)
}

// buildEndpointCallLocked is the request that resumes an endpoint run: the
// original request again (its URL, query and body).
func (e locked) buildEndpointCallLocked(r *runState) ([]byte, string, *endpointCall, error) {
	var ev endpointEvent
	if len(r.Events) == 0 {
		return nil, "", nil, errString("inngest: the endpoint run has no event")
	}
	if err := jsoncodec.Unmarshal(r.Events[0], &ev); err != nil {
		return nil, "", nil, err
	}
	u := ev.Data.Domain + ev.Data.Path
	if ev.Data.QueryParams != "" {
		if parsed, err := url.Parse(u); err == nil {
			if parsed.RawQuery != "" {
				parsed.RawQuery += "&" + ev.Data.QueryParams
			} else {
				parsed.RawQuery = ev.Data.QueryParams
			}
			u = parsed.String()
		}
	}
	method := ev.Data.Method
	if method == "" {
		method = http.MethodPost
	}
	ct := ev.Data.ContentType
	if ct == "" {
		ct = "application/json"
	}
	return ev.Data.Body, u, &endpointCall{method: method, contentType: ct}, nil
}

// doEndpointCall calls an endpoint run's URL as the server's httpv2 driver
// does. Its answer must be an array of ops, whatever its 2xx status.
func (e *Engine) doEndpointCall(ctx context.Context, job *callJob) callResult {
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, job.endpoint.method, job.url, bytes.NewReader(job.body))
	if err != nil {
		return callResult{transport: err}
	}
	h := req.Header
	h.Set("Content-Type", job.endpoint.contentType)
	h.Set("User-Agent", "Inngest")
	sig := ""
	if e.opts.SigningKey != "" {
		sig = wire.Sign(e.opts.SigningKey, time.Now(), job.body)
	}
	h[http.CanonicalHeaderKey(wire.HeaderSignature)] = []string{sig} // present, and empty when unsigned (as the server sends it)
	h.Set(wire.HeaderRunID, job.runID)
	h.Set(wire.HeaderRequestID, job.requestID)
	if job.t.Generation > 0 {
		h.Set(wire.HeaderGenerationID, strconv.Itoa(job.t.Generation))
	}
	if job.t.JobID != "" {
		h.Set(wire.HeaderJobID, job.t.JobID)
	}
	h.Set(wire.HeaderReqVersion, strconv.Itoa(max(job.version, 0)))
	if job.t.StepID != "" && job.t.StepID != wire.DiscoveryStepID {
		h.Set(wire.HeaderStepID, job.t.StepID)
	}
	res := e.do(req)
	if res.transport != nil {
		return res
	}
	e.readRetryHeaders(&res)
	body := res.body
	if res.isSDK && res.status/100 == 2 {
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
			res.status = http.StatusPartialContent
		} else {
			// As the server: an answer that is not ops fails the run for good.
			res.status = http.StatusInternalServerError
			res.hasNoRetry, res.noRetry = true, true
			res.body = []byte(`{"name":"Error","message":"SDK returned an unexpected response"}`)
		}
	}
	return res
}

// endpointOutput is a run's output from the response an endpoint recorded:
// its body, as JSON when it is JSON, else as a JSON string. The status is
// Failed for a 5xx response, as on the server.
func endpointOutput(data json.RawMessage, wrapped bool) (json.RawMessage, runtype.Status, *runtype.RunError) {
	var res struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	if wrapped {
		var w struct {
			Data json.RawMessage `json:"data"`
		}
		if jsoncodec.Unmarshal(data, &w) == nil {
			data = w.Data
		}
	}
	_ = jsoncodec.Unmarshal(data, &res)
	out := json.RawMessage("null")
	if res.Body != "" {
		if jsoncodec.Valid([]byte(res.Body)) {
			out = canonical([]byte(res.Body))
		} else {
			out, _ = jsoncodec.Marshal(res.Body)
		}
	}
	if res.Status >= 500 {
		return out, runtype.StatusFailed, &runtype.RunError{Name: "Error", Message: "invalid status code: " + strconv.Itoa(res.Status)}
	}
	return out, runtype.StatusCompleted, nil
}

// newRunRequest is POST /v1/checkpoint's body.
type newRunRequest struct {
	RunID          string          `json:"run_id"`
	Event          json.RawMessage `json:"event"`
	Steps          []wire.Op       `json:"steps"`
	RequestVersion *int            `json:"request_version"`
	Retries        *int            `json:"retries"`
}

// syncStepsRequest is POST /v1/checkpoint/{run}/steps's body.
type syncStepsRequest struct {
	RunID string    `json:"run_id"`
	FnID  string    `json:"fn_id"`
	AppID string    `json:"app_id"`
	Steps []wire.Op `json:"steps"`
}

// runTokenSecret signs the tokens of the output endpoint; they are good for
// this process only.
var runTokenSecret = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

type runClaims struct {
	Sub   string `json:"sub"`
	Exp   int64  `json:"exp"`
	RunID string `json:"RunID"`
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json", map[string]any{"error": msg, "data": nil, "status": status})
}

// handleNewRun creates a durable endpoint's run (POST /v1/checkpoint).
func (e *Engine) handleNewRun(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	body, err := readBody(r.Body, r.ContentLength, maxNewRunBytes)
	var req newRunRequest
	if err == nil {
		err = jsoncodec.Unmarshal(body, &req)
	}
	var ev endpointEvent
	if err == nil {
		err = jsoncodec.Unmarshal(req.Event, &ev)
	}
	if err == nil && !validULID(req.RunID) {
		err = errString("run_id is not a ULID")
	}
	if err == nil && (ev.Data.Domain == "" || ev.Data.Method == "") {
		err = errString("event.data.domain and event.data.method are required")
	}
	if err == nil {
		err = normalizeSyncOps(req.Steps)
	}
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	retries := rules.DefaultRetries
	if req.Retries != nil && *req.Retries >= 0 {
		retries = min(*req.Retries, rules.MaxRetries)
	}
	now := e.clock.Now()
	if ev.ID == "" {
		ev.ID = wire.NewULID(now)
	}
	if ev.TS == 0 {
		ev.TS = now.UnixMilli()
	}
	ev.Name = cmpOr(ev.Name, wire.EndpointEventName)
	raw, _ := encodeCanonical(ev)
	version := 2
	if req.RequestVersion != nil {
		version = *req.RequestVersion
	}
	var fnUUIDv, appID string
	l := e.lock()
	err = l.atomicLocked(func(e locked) error {
		fn := e.endpointFnLocked(ev.Data, retries+1)
		fnUUIDv, appID = fn.uuid, fn.app.rec.ID
		if e.loadRunLocked(req.RunID) != nil {
			return nil // as the server's dev store: an existing run is left as it is
		}
		run := &runState{RunRecord: enginestore.RunRecord{
			Run: runtype.Run{ID: req.RunID, AppID: fn.app.rec.Name, FunctionID: fn.id, FunctionUUID: fn.uuid,
				Status: runtype.StatusRunning, EventIDs: []string{ev.ID}, Events: []json.RawMessage{raw},
				StartedAt: now, MaxAttempts: retries + 1},
			Version: version,
			Started: true,
			Keys:    map[string]string{},
		}}
		e.historyLocked(run, "started", "", 0, "durable endpoint "+ev.Data.Slug())
		e.syncCheckpointLocked(run, req.Steps)
		return nil
	})
	l.unlock()
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "inngest: store: "+err.Error())
		return
	}
	resp := map[string]string{"fn_id": fnUUIDv, "app_id": appID, "run_id": req.RunID}
	if len(req.Steps) > 0 {
		// As the server: a token only when the run was created with steps.
		tok, _ := hs256.Sign(runTokenSecret, runClaims{Sub: "run-claim", Exp: time.Now().Add(time.Hour).Unix(), RunID: req.RunID})
		resp["token"] = tok
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": resp})
}

// handleSyncSteps adds steps to a durable endpoint's run
// (POST /v1/checkpoint/{run}/steps). As on the server, a run that does not
// exist is not an error the SDK sees.
func (e *Engine) handleSyncSteps(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	body, err := readBody(r.Body, r.ContentLength, maxResponseBytes)
	var req syncStepsRequest
	if err == nil {
		err = jsoncodec.Unmarshal(body, &req)
	}
	if err == nil {
		err = normalizeSyncOps(req.Steps)
	}
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return
	}
	l := e.lock()
	err = l.atomicLocked(func(e locked) error {
		run := e.loadRunLocked(r.PathValue("run"))
		if run == nil || run.Status.Done() {
			e.log.Warn("inngest: checkpoint for an unknown or finished endpoint run ignored", "run_id", r.PathValue("run"))
			return nil
		}
		e.syncCheckpointLocked(run, req.Steps)
		return nil
	})
	l.unlock()
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "inngest: store: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(wire.HeaderServerKind, wire.ServerKindDev)
	w.Header().Set("Vary", "Origin")
	w.WriteHeader(http.StatusOK)
}

// normalizeSyncOps checks and canonicalises the ops of a sync checkpoint.
func normalizeSyncOps(ops []wire.Op) error {
	for i := range ops {
		canon, ok := wire.ParseOpcode(string(ops[i].Op))
		if !ok {
			return errString("unknown op " + string(ops[i].Op))
		}
		ops[i].Op = canon
		if err := wire.CheckOpSize(&ops[i]); err != nil {
			return err
		}
	}
	return nil
}

// syncCheckpointLocked applies a sync checkpoint as the server's
// CheckpointSyncSteps does: completed steps are memoized, RunComplete ends
// the run with the response it carries, and any other op (a step error, a
// wait, a discovery request) goes through the executor's handling, which
// schedules the call that resumes the run.
func (e locked) syncCheckpointLocked(run *runState, ops []wire.Op) {
	async := false
	for _, op := range ops {
		switch op.Op {
		case wire.OpRunComplete:
			for _, s := range ops {
				if s.Op == wire.OpStepRun || s.Op == wire.OpStep {
					stepRecordLocked(run, s).Attempts++
				}
			}
			out, status, re := endpointOutput(op.Data, false)
			e.historyLocked(run, "checkpoint", "", 0, opsSummary(ops))
			e.finishLocked(run, status, out, re)
			return
		case wire.OpStepRun, wire.OpStep, wire.OpDeferAdd, wire.OpDeferAbort, wire.OpNone:
		default:
			async = true
		}
	}
	e.historyLocked(run, "checkpoint", "", 0, opsSummary(ops))
	if !async {
		e.checkpointLocked(run, ops) // saves the run
		return
	}
	// The ops are handled as the answer of a discovery call at attempt 0 would
	// be: a step error schedules a retry (attempt 1), a wait parks the run,
	// and otherwise a discovery call follows.
	t := enginestore.TimerItem{Kind: enginestore.TimerCall, RunID: run.ID, StepID: wire.DiscoveryStepID, JobID: newJobID(), Generation: 1}
	e.applyOpsLocked(run, t, callResult{status: http.StatusPartialContent, isSDK: true}, ops)
}

// handleRunOutput waits for a durable endpoint's run to end and answers with
// its output (GET /v1/checkpoint/{run}/output?token=...), as the dev server
// does: the recorded response body, 200.
func (e *Engine) handleRunOutput(w http.ResponseWriter, r *http.Request) {
	var c runClaims
	if err := hs256.Verify(runTokenSecret, r.URL.Query().Get("token"), &c); err != nil || c.RunID != r.PathValue("run") || c.Exp < time.Now().Unix() {
		writeAPIError(w, http.StatusUnauthorized, "Unable to find run with auth token")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	run, err := e.WaitForRun(ctx, c.RunID)
	if err != nil {
		writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "running", "message": "run did not end within 5 minutes"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(wire.HeaderServerKind, wire.ServerKindDev)
	w.WriteHeader(http.StatusOK)
	out := []byte(run.Output)
	var s string
	if jsoncodec.Unmarshal(out, &s) == nil {
		out = []byte(s) // the body as it was, not a JSON string
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	_, _ = w.Write(out)
}

// validULID reports whether s is a ULID in Crockford base32.
func validULID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !strings.ContainsRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", rune(c)) {
			return false
		}
	}
	return true
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
