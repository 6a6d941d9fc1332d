package engine

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// maxEventBody bounds an /e request (5 000 events of up to 3 MB would be far
// more; the server's own request limit is similar).
const maxEventBody = 16 << 20

// Handler returns the engine's HTTP API, the subset of the dev server's API
// that SDKs use:
//
//	POST /e/{key}                     send events
//	POST /fn/register                 sync an app
//	POST /v1/checkpoint/{run_id}/async checkpoint steps
//	POST /v1/checkpoint                create a durable endpoint's run (endpoint.go)
//	POST /v1/checkpoint/{run_id}/steps checkpoint a durable endpoint's steps
//	GET  /v1/checkpoint/{run_id}/output wait for a durable endpoint's result
//	GET  /v0/runs/{id}/batch          a run's events (use_api)
//	GET  /v0/runs/{id}/actions        a run's step results (use_api)
//	GET  /v1/events/{id}/runs         runs started by an event
//	GET  /v1/runs/{id}                one run
//	DELETE /v1/runs/{id}              cancel a run
//	POST /v1/signals                  resume the run waiting for a signal
//	GET  /v1/events[?limit&name]      recent events, newest first
//	GET  /v1/events/{id}              one event
//	POST/GET /v1/cancellations        create / list bulk cancellations
//	DELETE /v1/cancellations/{id}     delete a bulk cancellation
//	POST /v2/runs/{id}/rerun          rerun a run, whole or from a step (apiv2.go; also at /api/v2)
//	GET  /dev                         the apps and functions synced (dev server info)
//	/v1/realtime/...                  publish, tokens, WebSocket and SSE subscribe (realtime.go)
//	GET  /health                      liveness
//
// With Options.SigningKey set, every route but /e and /health requires
// "Authorization: Bearer <key>" (the plain or the hashed signing key), as the
// server does; with Options.EventKey set, /e accepts only that key. Without a
// signing key, sync and the run API are open to anyone who can reach the
// handler.
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /e/{key}", e.handleEvents)
	mux.HandleFunc("POST /e/{key}/", e.handleEvents)
	mux.HandleFunc("POST /fn/register", e.handleRegister)
	mux.HandleFunc("POST /v1/checkpoint/{run}/async", e.handleCheckpoint)
	mux.HandleFunc("POST /v1/checkpoint", e.handleNewRun)
	mux.HandleFunc("POST /v1/checkpoint/{run}/steps", e.handleSyncSteps)
	mux.HandleFunc("GET /v1/checkpoint/{run}/output", e.handleRunOutput)
	mux.HandleFunc("GET /v0/runs/{run}/batch", e.handleBatch)
	mux.HandleFunc("GET /v0/runs/{run}/actions", e.handleActions)
	mux.HandleFunc("GET /v1/events/{id}/runs", e.requireKey(e.handleEventRuns))
	mux.HandleFunc("GET /v1/runs/{run}", e.requireKey(e.handleRun))
	mux.HandleFunc("DELETE /v1/runs/{run}", e.requireKey(e.handleCancelRun))
	mux.HandleFunc("POST /v1/signals", e.requireKey(e.handleSignal))
	mux.HandleFunc("GET /v1/events", e.requireKey(e.handleListEvents))
	mux.HandleFunc("GET /v1/events/{id}", e.requireKey(e.handleGetEvent))
	mux.HandleFunc("POST /v1/cancellations", e.requireKey(e.handleCreateCancellation))
	mux.HandleFunc("GET /v1/cancellations", e.requireKey(e.handleCancellations))
	mux.HandleFunc("DELETE /v1/cancellations/{id}", e.requireKey(e.handleDeleteCancellation))
	mux.HandleFunc("GET /dev", e.requireKey(e.handleDevInfo))
	mux.Handle("/v1/realtime/", e.realtimeHandler())
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", map[string]any{"status": 200, "message": "OK"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := v2Path(r.URL.Path); ok {
			e.serveV2(w, r, rest)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, _ := jsoncodec.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set(wire.HeaderServerKind, wire.ServerKindDev)
	h.Set("Vary", "Origin")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

const textPlain = "text/plain; charset=utf-8"

// authorized checks the Bearer token when a signing key is configured: the
// hashed key or the plain key (prefix ignored) is accepted. "Bearer" is
// matched case-insensitively, as the server does.
func (e *Engine) authorized(r *http.Request) bool {
	if e.opts.SigningKey == "" {
		return true
	}
	h := r.Header.Get(wire.HeaderAuthorization)
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return false
	}
	return e.keyMatches(h[7:])
}

// keyMatches reports whether tok (surrounding spaces ignored) is the
// engine's signing key, plain or hashed, with or without its prefix.
func (e *Engine) keyMatches(tok string) bool {
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	for _, want := range []string{wire.HashSigningKey(e.opts.SigningKey), e.opts.SigningKey} {
		if subtle.ConstantTimeCompare([]byte(wire.NormalizeKey(tok)), []byte(wire.NormalizeKey(want))) == 1 {
			return true
		}
	}
	return false
}

// requireKey wraps a handler with the signing-key check of authorized.
func (e *Engine) requireKey(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.authorized(r) {
			unauthorized(w)
			return
		}
		next(w, r)
	}
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", textPlain)
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = io.WriteString(w, "Authentication failed")
}

// sendError is an /e error body, as the server writes it: status, an empty
// message and the error.
type sendError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

func (e *Engine) handleEvents(w http.ResponseWriter, r *http.Request) {
	if e.opts.EventKey != "" && r.PathValue("key") != e.opts.EventKey {
		writeJSON(w, http.StatusUnauthorized, textPlain, sendError{Error: "Event key not found", Status: 401})
		return
	}
	body, err := readBody(r.Body, r.ContentLength, maxEventBody)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, textPlain, sendError{Error: err.Error(), Status: 400})
		return
	}
	ids, err := e.sendRaw(body, r.Header.Get(wire.HeaderEventIDSeed))
	if err != nil {
		// A enginestore.Store failure is a 500: the SDK retries 5xx with the same seeded
		// IDs, and event dedupe makes the retry safe. Bad input is a 400.
		if se := (*storeError)(nil); errors.As(err, &se) {
			writeJSON(w, http.StatusInternalServerError, textPlain, sendError{Error: err.Error(), Status: 500})
			return
		}
		writeJSON(w, http.StatusBadRequest, textPlain, sendError{Error: err.Error(), Status: 400})
		return
	}
	writeJSON(w, http.StatusOK, textPlain, wire.SendResponse{IDs: ids, Status: 200})
}

// inboundEvent is an event as accepted by /e.
type inboundEvent struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
	User json.RawMessage `json:"user"`
	TS   int64           `json:"ts"`
	V    string          `json:"v"`
}

var (
	minTS = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxTS = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
)

// sendRaw parses an /e body (an object or an array), validates every event
// first, then ingests them all. It returns the IDs in input order, or a
// *storeError when the enginestore.Store failed (events before the failing one may have
// been ingested; a retry with the same IDs is deduplicated).
func (e *Engine) sendRaw(body []byte, seed string) ([]string, error) {
	b := bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(b) == 0:
		return nil, errors.New("no events found in request")
	case b[0] == '[':
		if err := jsoncodec.Unmarshal(b, &raws); err != nil {
			return nil, errors.New("unable to parse events: " + err.Error())
		}
	default:
		if !jsoncodec.Valid(b) {
			return nil, errors.New("unable to parse event: invalid JSON")
		}
		raws = []json.RawMessage{b}
	}
	if len(raws) == 0 {
		return []string{}, nil
	}
	if len(raws) > 5000 {
		return nil, errors.New("too many events in one request (max 5000)")
	}
	var seeded []string
	if seed != "" {
		seeded, _ = wire.EventIDsFromSeed(seed, len(raws))
	}
	l := e.lock()
	defer l.unlock()
	if l.s.closed {
		return nil, errClosed
	}
	now := e.clock.Now()
	recs := make([]enginestore.EventRecord, len(raws))
	userIDs := make([]bool, len(raws))
	for i, raw := range raws {
		var in inboundEvent
		if err := jsoncodec.Unmarshal(raw, &in); err != nil {
			return nil, errors.New("unable to parse event: " + err.Error())
		}
		rec, err := normalizeEvent(in, now)
		if err != nil {
			return nil, err
		}
		userIDs[i] = in.ID != ""
		if in.ID == "" {
			if i < len(seeded) {
				rec.ID = seeded[i]
			} else {
				rec.ID = wire.NewULID(now)
			}
		}
		raw := canonicalEvent(eventJSON{Data: rec.dataOrEmpty(), ID: rec.ID, Name: in.Name, TS: rec.ts, User: rec.user, V: in.V})
		recs[i] = enginestore.EventRecord{ID: rec.ID, Name: in.Name, Raw: raw, ReceivedAt: now}
	}
	ids := make([]string, len(recs))
	err := l.atomicLocked(func(e locked) error {
		for i, rec := range recs {
			ids[i] = rec.ID
			inserted, err := e.ingestLocked(rec, now)
			if err != nil {
				return err
			}
			if !inserted && userIDs[i] {
				// As on the server, an id the sender chose deduplicates
				// runs per function, not the event. (Ids the engine
				// assigned, seeded or not, make a retried request do
				// nothing.)
				e.redeliverLocked(rec, now)
			}
		}
		return nil
	})
	if err != nil {
		if se := (*storeError)(nil); !errors.As(err, &se) {
			err = &storeError{err: err}
		}
		return nil, err
	}
	return ids, nil
}

type normEvent struct {
	ID   string
	data json.RawMessage
	user json.RawMessage
	ts   int64
}

func (n normEvent) dataOrEmpty() json.RawMessage {
	if len(n.data) == 0 {
		return json.RawMessage("{}")
	}
	return n.data
}

// normalizeEvent validates an inbound event and fills defaults.
func normalizeEvent(in inboundEvent, now time.Time) (normEvent, error) {
	if in.Name == "" {
		return normEvent{}, errors.New("event name is required")
	}
	if len(in.Name) > 512 {
		return normEvent{}, errors.New("event name is too long (max 512 characters)")
	}
	if strings.HasPrefix(strings.ToLower(in.Name), "inngest/") {
		return normEvent{}, errors.New("event name is reserved for internal use: " + in.Name)
	}
	n := normEvent{ID: in.ID, ts: in.TS}
	d := bytes.TrimSpace(in.Data)
	switch {
	case len(d) == 0 || string(d) == "null":
		n.data = json.RawMessage("{}")
	case d[0] != '{':
		return normEvent{}, errors.New("event data must be an object")
	case !bytes.Contains(d, []byte(`\u`)) && !bytes.Contains(d, []byte(`"_inngest"`)):
		// No member can be named _inngest: keep the data as it is.
		if !jsoncodec.Valid(d) {
			return normEvent{}, errors.New("event data must be an object")
		}
		n.data = d
	default:
		var m map[string]json.RawMessage
		if err := jsoncodec.Unmarshal(d, &m); err != nil {
			return normEvent{}, errors.New("event data must be an object")
		}
		if _, ok := m["_inngest"]; ok {
			delete(m, "_inngest")
			d, _ = jsoncodec.Marshal(m)
		}
		n.data = d
	}
	u := bytes.TrimSpace(in.User)
	switch {
	case len(u) == 0 || string(u) == "null":
		n.user = json.RawMessage("{}")
	case u[0] != '{':
		return normEvent{}, errors.New("event user must be an object")
	default:
		n.user = u
	}
	if n.ts == 0 {
		n.ts = now.UnixMilli()
	} else if n.ts < minTS || n.ts > maxTS {
		return normEvent{}, errors.New("event ts must be a unix timestamp in milliseconds between 1980 and 2100")
	}
	return n, nil
}

func (e *Engine) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	// A signed engine's sync says cloud (as `inngest start` does), and the SDK
	// echoes the kind it was synced by.
	if k := r.Header.Get(wire.HeaderExpectedServerKind); k != "" && k != wire.ServerKindDev && (k != wire.ServerKindCloud || e.opts.SigningKey == "") {
		writeJSON(w, http.StatusBadRequest, textPlain, map[string]any{"error": "Expected server kind dev, got " + k})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, textPlain, map[string]any{"error": "Invalid request: " + err.Error()})
		return
	}
	l := e.lock()
	res, err := l.registerLocked(body)
	l.unlock()
	if err != nil {
		var se *syncError
		if errors.As(err, &se) {
			out := map[string]any{"error": se.msg}
			if len(se.details) > 0 {
				out["details"] = se.details
			}
			writeJSON(w, http.StatusBadRequest, textPlain, out)
			return
		}
		writeJSON(w, http.StatusInternalServerError, textPlain, map[string]any{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, textPlain, struct {
		OK       bool   `json:"ok"`
		Modified bool   `json:"modified"`
		SyncID   string `json:"sync_id"`
		AppID    string `json:"app_id"`
	}{true, res.modified, res.syncID, res.appID})
}

// handleCheckpoint persists StepRun ops exactly as if they came in a 206.
func (e *Engine) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	var req wire.CheckpointRequest
	body, err := readBody(r.Body, r.ContentLength, maxResponseBytes)
	if err == nil {
		err = jsoncodec.Unmarshal(body, &req)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]any{"error": "Invalid request: " + err.Error()})
		return
	}
	runID := r.PathValue("run")
	ops := req.Steps
	for i := range ops {
		canon, ok := wire.ParseOpcode(string(ops[i].Op))
		if !ok || (canon != wire.OpStepRun && canon != wire.OpStep && canon != wire.OpStepPlanned) {
			writeJSON(w, http.StatusBadRequest, "application/json", map[string]any{"error": "unsupported checkpoint op " + string(ops[i].Op)})
			return
		}
		ops[i].Op = canon
		if err := wire.CheckOpSize(&ops[i]); err != nil {
			// As the server: a step output over its limit refuses the checkpoint.
			writeJSON(w, http.StatusRequestEntityTooLarge, "application/json", map[string]any{"error": err.Error()})
			return
		}
	}
	l := e.lock()
	run := l.loadRunLocked(runID)
	if run == nil {
		l.unlock()
		writeJSON(w, http.StatusNotFound, "application/json", map[string]any{"error": "run not found"})
		return
	}
	if !run.Status.Done() {
		// The server also resets the stored attempt count of the call's queue
		// item (ResetAttemptsByJobID), but its executor keeps the call's count
		// and writes it back when the call fails (requeue), so a step error
		// reported later in the same call is judged by the call's attempt
		// (observed: a call at attempt 1 that checkpointed, then reported a step
		// error, was retried at attempt 2). The engine does the same: nothing
		// to reset.
		err = l.atomicLocked(func(e locked) error {
			e.checkpointLocked(run, ops)
			return nil
		})
	}
	l.unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, "application/json", map[string]any{"error": "inngest: store: " + err.Error(), "status": 500})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(wire.HeaderServerKind, wire.ServerKindDev)
	w.Header().Set("Vary", "Origin")
	w.WriteHeader(http.StatusOK)
}

// checkpointLocked memoizes checkpointed steps.
func (e locked) checkpointLocked(run *runState, ops []wire.Op) {
	for _, op := range ops {
		if op.Op == wire.OpStepPlanned {
			continue
		}
		rec := stepRecordLocked(run, op)
		rec.Attempts++
		storeMemoLocked(run, op.ID, stepMemo(op))
	}
	e.historyLocked(run, "checkpoint", "", 0, opsSummary(ops))
	e.saveRunLocked(run)
}

func (e *Engine) handleBatch(w http.ResponseWriter, r *http.Request) {
	e.serveRunState(w, r, func(run *enginestore.RunRecord) any { return run.Events })
}

func (e *Engine) handleActions(w http.ResponseWriter, r *http.Request) {
	e.serveRunState(w, r, func(run *enginestore.RunRecord) any { return callSteps(run) })
}

// serveRunState answers the use_api endpoints: part of a run's state, or 410 once
// the run is gone.
func (e *Engine) serveRunState(w http.ResponseWriter, r *http.Request, part func(*enginestore.RunRecord) any) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	// Under the lock: the call asking was dispatched from a locked section
	// that may still be writing the run it reads.
	l := e.lock()
	rs := l.loadRunLocked(r.PathValue("run"))
	l.unlock()
	var run *enginestore.RunRecord
	if rs != nil {
		run = &rs.RunRecord
	}
	if run == nil {
		writeJSON(w, http.StatusGone, "application/json", map[string]any{"error": "run state not found"})
		return
	}
	writeJSON(w, http.StatusOK, "application/json", part(run))
}

// runRecord is a run as the server's /v1 API shows it.
type runRecord struct {
	RunID           string          `json:"run_id"`
	RunStartedAt    string          `json:"run_started_at"`
	FunctionID      string          `json:"function_id"`
	FunctionVersion int             `json:"function_version"`
	EnvironmentID   string          `json:"environment_id"`
	EventID         string          `json:"event_id"`
	BatchID         string          `json:"batch_id,omitempty"`
	Cron            string          `json:"cron,omitempty"`
	Status          string          `json:"status"`
	EndedAt         *string         `json:"ended_at"`
	Output          json.RawMessage `json:"output"`
}

func toRecord(r *enginestore.RunRecord) runRecord {
	rec := runRecord{
		RunID: r.ID, RunStartedAt: r.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		FunctionID: r.FunctionUUID, EnvironmentID: "00000000-0000-4000-b000-000000000000",
		Cron: r.Cron, Status: apiStatus(r.Status), Output: r.Output,
	}
	if len(r.EventIDs) > 0 {
		rec.EventID = r.EventIDs[0]
	}
	if len(r.EventIDs) > 1 {
		rec.BatchID = r.ID
	}
	if r.Status.Done() {
		s := r.EndedAt.UTC().Format(time.RFC3339Nano)
		rec.EndedAt = &s
	}
	if len(rec.Output) == 0 {
		rec.Output = json.RawMessage("null")
		if r.Status == runtype.StatusCancelled {
			// The server shows a cancelled run's output as {} (testdata/realserver).
			rec.Output = json.RawMessage("{}")
		}
	}
	return rec
}

func apiStatus(s runtype.Status) string {
	if s == runtype.StatusQueued {
		return string(runtype.StatusRunning)
	}
	return string(s)
}

func (e *Engine) handleRun(w http.ResponseWriter, r *http.Request) {
	run, err := e.base.Run(r.Context(), r.PathValue("run"))
	switch {
	case errors.Is(err, enginestore.ErrNotFound):
		writeJSON(w, http.StatusNotFound, "application/json", map[string]any{"error": "run not found", "status": 404})
		return
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, "application/json", map[string]any{"error": "inngest: store: " + err.Error(), "status": 500})
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": toRecord(run), "metadata": apiMeta(e.clock.Now())})
}

// handleCancelRun cancels a run (DELETE /v1/runs/{id}), answering as the
// server does: 200 with an empty body (also when the run has already
// finished, which leaves it as it is), 404 for an unknown run, 400 for an id
// that is not a ULID.
func (e *Engine) handleCancelRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("run")
	if _, err := wire.ULIDTime(id); err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]any{"error": "Invalid run ID: " + id, "data": nil, "status": 400})
		return
	}
	l := e.lock()
	run := l.loadRunLocked(id)
	var err error
	if run != nil {
		err = l.atomicLocked(func(e locked) error {
			e.cancelRunLocked(run, "cancelled via the API")
			return nil
		})
	}
	l.unlock()
	switch {
	case run == nil:
		writeJSON(w, http.StatusNotFound, "application/json", map[string]any{"error": "Unable to load function run: " + id, "data": nil, "status": 404})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, "application/json", map[string]any{"error": err.Error(), "data": nil, "status": 500})
	default:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set(wire.HeaderServerKind, wire.ServerKindDev)
		w.WriteHeader(http.StatusOK)
	}
}

func (e *Engine) handleEventRuns(w http.ResponseWriter, r *http.Request) {
	runs, err := e.base.RunsForEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, "application/json", map[string]any{"error": err.Error(), "status": 500})
		return
	}
	// As on the server, a batch's run is listed under the batch's first event
	// only (testdata/realserver/batch.json).
	id := r.PathValue("id")
	recs := make([]runRecord, 0, len(runs))
	for _, run := range runs {
		if len(run.EventIDs) > 1 && run.EventIDs[0] != id {
			continue
		}
		recs = append(recs, toRecord(run))
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": recs, "metadata": apiMeta(e.clock.Now())})
}

func apiMeta(now time.Time) map[string]any {
	s := now.UTC().Format(time.RFC3339Nano)
	return map[string]any{"fetched_at": s, "cached_until": nil}
}
