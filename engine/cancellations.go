package engine

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Cancellation is a bulk cancellation (POST /v1/cancellations): it cancels
// the function's unfinished runs started in (StartedAfter, StartedBefore]
// whose triggering event matches If.
type Cancellation struct {
	// ID is the cancellation's ULID.
	ID string `json:"id"`
	// CreatedAt is when it was created (engine time).
	CreatedAt time.Time `json:"created_at"`
	// Name is always null here (the server's field for named cancellations).
	Name *string `json:"name"`
	// EnvironmentID is the fixed environment of the engine.
	EnvironmentID string `json:"environment_id"`
	// AppID is the app's ID, FunctionID the function's full ID
	// ("<app>-<fn>", the server's slug) and FunctionInternalID its UUID.
	AppID              string `json:"app_id"`
	FunctionInternalID string `json:"function_internal_id"`
	FunctionID         string `json:"function_id"`
	// StartedAfter (optional) and StartedBefore bound the runs' start times.
	StartedAfter  *time.Time `json:"started_after"`
	StartedBefore time.Time  `json:"started_before"`
	// If is an optional expression over event (the run's trigger).
	If *string `json:"if,omitempty"`
	// Kind is "bulk_run" and Cause "api", as on the server.
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
	// Cancelled is how many runs it cancelled (engine only).
	Cancelled int `json:"-"`
}

// cancellationRequest is the body of POST /v1/cancellations.
type cancellationRequest struct {
	AppID         string     `json:"app_id"`
	FunctionID    string     `json:"function_id"`
	StartedAfter  *time.Time `json:"started_after"`
	StartedBefore time.Time  `json:"started_before"`
	If            *string    `json:"if,omitempty"`
}

func (c cancellationRequest) validate(now time.Time) error {
	var err error
	if c.AppID == "" {
		err = errors.Join(err, errors.New("app_id is required"))
	}
	if c.FunctionID == "" {
		err = errors.Join(err, errors.New("function_id is required"))
	}
	if c.StartedBefore.IsZero() {
		err = errors.Join(err, errors.New("started_before is required"))
	}
	if c.StartedBefore.After(now.Add(5 * time.Second)) {
		err = errors.Join(err, errors.New("started_before must be in the past"))
	}
	if c.StartedAfter != nil && c.StartedAfter.After(c.StartedBefore) {
		err = errors.Join(err, errors.New("started_after must be before started_before"))
	}
	return err
}

// apiError writes the server's publicerr body.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json", map[string]any{"error": msg, "data": nil, "status": status})
}

// handleCreateCancellation is POST /v1/cancellations. Unlike the server,
// which applies a cancellation when a matching run next executes, the engine
// cancels the matching unfinished runs at once. Cancellations are kept in
// memory: they are not persisted across restarts.
func (e *Engine) handleCreateCancellation(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req cancellationRequest
	if err == nil {
		err = jsoncodec.Unmarshal(body, &req)
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, "Invalid cancellation request")
		return
	}
	now := e.clock.Now()
	if err := req.validate(now); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	var prog *expr.Program
	if req.If != nil && *req.If != "" {
		if prog, err = e.compileExpr(expr.Cancel, *req.If); err != nil {
			apiError(w, http.StatusBadRequest, "invalid expression: "+err.Error())
			return
		}
	}
	l := e.lock()
	// function_id is the function's full ID (the server's slug, e.g.
	// "shop-fulfil"); the SDK's short ID is accepted too.
	fn := l.s.fns[req.FunctionID]
	if fn == nil {
		fn = l.s.fns[req.AppID+"-"+req.FunctionID]
	}
	if fn == nil {
		l.unlock()
		apiError(w, http.StatusNotFound, "function not found")
		return
	}
	c := Cancellation{
		ID: wire.NewULID(now), CreatedAt: now, EnvironmentID: "00000000-0000-4000-b000-000000000000",
		AppID: req.AppID, FunctionInternalID: fn.uuid, FunctionID: fn.id,
		StartedAfter: req.StartedAfter, StartedBefore: req.StartedBefore, If: req.If,
		Kind: "bulk_run", Cause: "api",
	}
	err = l.atomicLocked(func(e locked) error {
		rs, err := e.store.Runs(e.ctx)
		if e.check(err) != nil {
			return err
		}
		for _, run := range rs {
			if run.FunctionID != fn.id || run.Status.Done() || run.StartedAt.After(c.StartedBefore) ||
				(c.StartedAfter != nil && !run.StartedAt.After(*c.StartedAfter)) {
				continue
			}
			if prog != nil && (len(run.Events) == 0 || !evalBool(prog, exprVars(&e.eventDecodes, run.Events[0], nil))) {
				continue
			}
			if lr := e.loadRunLocked(run.ID); lr != nil && !lr.Status.Done() {
				e.cancelRunLocked(lr, "cancelled by bulk cancellation "+c.ID)
				c.Cancelled++
			}
		}
		return nil
	})
	if err == nil {
		l.s.cancellations = append(l.s.cancellations, c)
	}
	l.unlock()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Error creating cancellation")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": c, "metadata": apiMetaUncached(now)})
}

// handleCancellations is GET /v1/cancellations.
func (e *Engine) handleCancellations(w http.ResponseWriter, r *http.Request) {
	l := e.lock()
	out := append([]Cancellation{}, l.s.cancellations...)
	l.unlock()
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": out, "metadata": apiMetaUncached(e.clock.Now())})
}

// handleDeleteCancellation is DELETE /v1/cancellations/{id}.
func (e *Engine) handleDeleteCancellation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := wire.ULIDTime(id); err != nil {
		apiError(w, http.StatusBadRequest, "Invalid cancellation ID")
		return
	}
	l := e.lock()
	found := false
	for i, c := range l.s.cancellations {
		if strings.EqualFold(c.ID, id) {
			l.s.cancellations = append(l.s.cancellations[:i], l.s.cancellations[i+1:]...)
			found = true
			break
		}
	}
	l.unlock()
	if !found {
		apiError(w, http.StatusNotFound, "Cancellation not found")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": map[string]any{"ok": true}, "metadata": apiMetaUncached(e.clock.Now())})
}

// eventRecordJSON is an event as GET /v1/events shows it (server cqrs.Event).
type eventRecordJSON struct {
	InternalID    string         `json:"internal_id"`
	AccountID     string         `json:"account_id"`
	EnvironmentID string         `json:"environment_id"`
	Source        string         `json:"source"`
	SourceID      *string        `json:"source_id"`
	ReceivedAt    time.Time      `json:"received_at"`
	ID            string         `json:"id,omitempty"`
	Name          string         `json:"name"`
	Data          map[string]any `json:"data"`
	User          map[string]any `json:"user,omitempty"`
	TS            int64          `json:"ts,omitempty"`
	V             string         `json:"v,omitempty"`
}

func toEventJSON(rec enginestore.EventRecord) eventRecordJSON {
	var ev struct {
		ID   string         `json:"id"`
		Name string         `json:"name"`
		Data map[string]any `json:"data"`
		User map[string]any `json:"user"`
		TS   int64          `json:"ts"`
		V    string         `json:"v"`
	}
	_ = jsoncodec.Unmarshal(rec.Raw, &ev)
	return eventRecordJSON{
		InternalID: rec.ID, AccountID: "00000000-0000-4000-a000-000000000000", EnvironmentID: "00000000-0000-4000-b000-000000000000",
		ReceivedAt: rec.ReceivedAt.UTC(), ID: ev.ID, Name: rec.Name, Data: ev.Data, User: ev.User, TS: ev.TS, V: ev.V,
	}
}

// handleListEvents is GET /v1/events: the newest events first, at most
// limit (default 20, at most 100), optionally only those named name.
func (e *Engine) handleListEvents(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if s := r.FormValue("limit"); s != "" {
		var n int
		if _, err := fmt.Sscan(s, &n); err == nil && n > 0 {
			limit = min(n, 100)
		}
	}
	name := r.FormValue("name")
	fetch := limit
	if name != "" {
		fetch = 10000
	}
	evs, err := e.Events(fetch)
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := []eventRecordJSON{}
	for _, rec := range evs {
		if name != "" && rec.Name != name {
			continue
		}
		out = append(out, toEventJSON(rec))
		if len(out) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": out, "metadata": apiMetaUncached(e.clock.Now())})
}

// handleGetEvent is GET /v1/events/{id}: 404 "Event not found".
func (e *Engine) handleGetEvent(w http.ResponseWriter, r *http.Request) {
	rec, err := e.Event(r.PathValue("id"))
	if err != nil && !errors.Is(err, enginestore.ErrNotFound) {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if err != nil || rec.Internal {
		apiError(w, http.StatusNotFound, "Event not found")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": toEventJSON(rec), "metadata": apiMeta(e.clock.Now())})
}
