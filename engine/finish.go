package engine

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// lifecycleData is the data of function.finished/failed/cancelled, fields in
// sorted key order.
type lifecycleData struct {
	Inngest       lifecycleMeta     `json:"_inngest"`
	CorrelationID string            `json:"correlation_id,omitempty"`
	Error         any               `json:"error,omitempty"`
	Event         json.RawMessage   `json:"event"`
	Events        []json.RawMessage `json:"events"`
	FunctionID    string            `json:"function_id"`
	Result        json.RawMessage   `json:"result,omitempty"`
	RunID         string            `json:"run_id"`
}

type lifecycleMeta struct {
	Status string `json:"status"`
}

// lifecycleErr is the error object of lifecycle events (observed shape):
// error is "NonRetriableError" for a non-retriable failure, "invalid status
// code: <status>" for an SDK error status once retries are spent (else the
// error name), name the name in the SDK's error body ("Error" when it has
// none).
type lifecycleErr struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Name    string `json:"name"`
}

func lifecycleError(r *runState) any {
	if r.Error == nil {
		return nil
	}
	if serverFailed(r) {
		return lifecycleErr{Error: r.Error.Name, Message: string(r.Output), Name: "Error"}
	}
	kind := r.Error.Name
	if r.errKind != "" {
		kind = r.errKind
	}
	if r.Error.NoRetry {
		kind = "NonRetriableError"
	}
	name := r.Error.Name
	if name == "" {
		name = "Error"
	}
	return lifecycleErr{Error: kind, Message: r.Error.Message, Name: name}
}

// finishLocked ends a run, releases what it holds and emits lifecycle events.
func (e locked) finishLocked(r *runState, status runtype.Status, output json.RawMessage, re *runtype.RunError) {
	now := e.clock.Now()
	r.Status = status
	r.Output = output
	r.Error = re
	r.EndedAt = now
	r.Pending = 0
	r.Waits = nil
	e.historyLocked(r, string(status), "", 0, errMessage(re))
	e.cancelRunTimersLocked(r.ID)
	delete(e.s.triggers, r.ID)
	if ps, err := e.store.PausesForRun(e.ctx, r.ID); e.check(err) == nil {
		for _, p := range ps {
			_, _ = e.deletePauseLocked(p.ID)
		}
	}
	if fn := e.s.fns[r.FunctionID]; fn != nil && fn.singleton != nil {
		e.singletonDoneLocked(fn.singleton, r.Keys["singleton"], r.ID)
	}
	e.releaseRunSlotLocked(r)
	e.saveRunLocked(r)

	emit := e.lifecycleEventsLocked(r, status, output, now)
	if r.CorrelationID != "" {
		var finished json.RawMessage
		for _, ev := range emit {
			if ev.Name == wire.EventFunctionFinished {
				finished = ev.Raw
			}
		}
		e.resolveInvokeLocked(r, finished)
	}
	for _, ev := range emit {
		_, _ = e.ingestLocked(ev, now) // a failure is logged; the run's state is saved
	}
}

// lifecycleEventsLocked builds the events a finished run emits, as the
// server's finalizeEvents does: function.finished, then function.cancelled
// or function.failed (whose event ID is the run ID), and nothing at all for a
// run triggered by function.finished or function.failed (so a function
// listening to them, and an onFailure handler, never re-triggers itself).
// A cancelled run's events carry neither error nor result.
func (e locked) lifecycleEventsLocked(r *runState, status runtype.Status, output json.RawMessage, now time.Time) []enginestore.EventRecord {
	if len(r.Events) == 0 {
		return nil
	}
	if mayBeLifecycle(r.Events[0]) {
		switch eventNameOf(r.Events[0]) {
		case wire.EventFunctionFinished, wire.EventFunctionFailed:
			return nil
		}
	}
	data := lifecycleData{
		Inngest:       lifecycleMeta{Status: string(status)},
		CorrelationID: r.CorrelationID,
		Event:         r.Events[0],
		Events:        withoutUser(r.Events),
		FunctionID:    r.FunctionID,
		RunID:         r.ID,
	}
	switch status {
	case runtype.StatusCompleted:
		data.Result = output
	case runtype.StatusFailed:
		data.Error = lifecycleError(r)
		data.Result = output
		if serverFailed(r) {
			// The server finalizes its own errors with the output as a
			// string, which its lifecycle events then carry as is.
			str, _ := jsoncodec.Marshal(string(output))
			data.Result = str
		}
	}
	db, _ := encodeCanonical(data)
	mk := func(id, name string) enginestore.EventRecord {
		raw := eventJSON{Data: db, ID: id, Name: name, TS: now.UnixMilli(), User: json.RawMessage("{}")}.encode()
		return enginestore.EventRecord{ID: id, Name: name, Raw: raw, ReceivedAt: now, Internal: true}
	}
	emit := []enginestore.EventRecord{mk(wire.NewULID(now), wire.EventFunctionFinished)}
	switch status {
	case runtype.StatusFailed:
		emit = append(emit, mk(r.ID, wire.EventFunctionFailed))
	case runtype.StatusCancelled:
		emit = append(emit, mk(r.ID, wire.EventFunctionCanceled))
	}
	return emit
}

// mayBeLifecycle reports whether a stored event might be named
// inngest/function.finished or inngest/function.failed: false when neither
// name can be in it, spelled plainly or with escapes.
func mayBeLifecycle(raw json.RawMessage) bool {
	return bytes.Contains(raw, []byte("inngest/function.f")) || bytes.IndexByte(raw, '\\') >= 0
}

// encode is encodeCanonical(ev), written directly when Data and User are
// compact JSON (they are copied as they are) and ID, Name and V need no
// escaping.
func (ev eventJSON) encode() json.RawMessage {
	if !plainJSONString(ev.ID) || !plainJSONString(ev.Name) || !plainJSONString(ev.V) {
		raw, _ := encodeCanonical(ev)
		return raw
	}
	b := make([]byte, 0, len(ev.Data)+len(ev.User)+len(ev.ID)+len(ev.Name)+len(ev.V)+64)
	b = append(b, `{"data":`...)
	b = append(b, ev.Data...)
	b = append(b, `,"id":"`...)
	b = append(b, ev.ID...)
	b = append(b, `","name":"`...)
	b = append(b, ev.Name...)
	b = append(b, `","ts":`...)
	b = strconv.AppendInt(b, ev.TS, 10)
	b = append(b, `,"user":`...)
	b = append(b, ev.User...)
	if ev.V != "" {
		b = append(b, `,"v":"`...)
		b = append(b, ev.V...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// canonicalEvent is canonical(encodeCanonical(ev)), the stored form of an
// accepted event, without the encoder's own pass over Data and User (which
// need not be compact: the result is canonicalized).
func canonicalEvent(ev eventJSON) json.RawMessage {
	if c, err := wire.Canonicalize(ev.encode()); err == nil {
		return c
	}
	raw, _ := encodeCanonical(ev)
	return canonical(raw)
}

// plainJSONString reports whether s is written in JSON as it is, between
// quotes: printable ASCII but '"' and '\\'.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// eventNameOf reads the name of a stored event.
func eventNameOf(raw json.RawMessage) string {
	var v struct {
		Name string `json:"name"`
	}
	_ = jsoncodec.Unmarshal(raw, &v)
	return v.Name
}

func errMessage(re *runtype.RunError) string {
	if re == nil {
		return ""
	}
	return re.Message
}

// withoutUser copies events without their user key, as the server does in
// lifecycle events' events[].
func withoutUser(evs []json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, len(evs))
	for i, ev := range evs {
		if c, err := wire.CanonicalizeWithout(ev, "user"); err == nil {
			out[i] = c
			continue
		}
		var m map[string]json.RawMessage
		if jsoncodec.Unmarshal(ev, &m) != nil {
			out[i] = ev
			continue
		}
		delete(m, "user")
		b, _ := encodeCanonical(m)
		out[i] = canonical(b)
	}
	return out
}

// cancelRunLocked cancels a run.
func (e locked) cancelRunLocked(r *runState, reason string) {
	if r.Status.Done() {
		return
	}
	e.finishLocked(r, runtype.StatusCancelled, nil, &runtype.RunError{Name: "FunctionCancelledError", Message: reason, NoRetry: true})
}

// runTimeoutLocked enforces timeouts.start / timeouts.finish.
func (e locked) runTimeoutLocked(t enginestore.TimerItem) {
	r := e.loadRunLocked(t.RunID)
	if r == nil || r.Status.Done() {
		return
	}
	if t.Kind == enginestore.TimerStartTimeout && r.Started {
		return
	}
	what := "finish"
	if t.Kind == enginestore.TimerStartTimeout {
		what = "start"
	}
	e.cancelRunLocked(r, "function run exceeded its "+what+" timeout")
}

// eventJSON is an event as stored and sent, fields in sorted key order.
type eventJSON struct {
	Data json.RawMessage `json:"data"`
	ID   string          `json:"id"`
	Name string          `json:"name"`
	TS   int64           `json:"ts"`
	User json.RawMessage `json:"user"`
	V    string          `json:"v,omitempty"`
}

// serverFailed reports whether the run failed with one of the server's own
// errors (see failEarlyLocked).
func serverFailed(r *runState) bool {
	return r.Status == runtype.StatusFailed && r.Error != nil && strings.HasPrefix(r.Error.Name, serverErrorPrefix)
}

// serverErrorPrefix starts the names of the errors the server itself fails
// runs with (state.InngestErr…).
const serverErrorPrefix = "InngestErr"

// errTimeoutTooLong is the server's error for a sleep or wait timeout beyond
// its maximum.
const errTimeoutTooLong = "InngestErrTimeoutTooLong"

// serverError is the output of a run the server failed itself, fields in the
// server's order.
type serverError struct {
	Error   string `json:"error"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// failEarlyLocked fails a run at once, without retries, with one of the
// server's own errors, as the server does for a sleep or wait that is too
// long: the output is {"error": {error: "<name>: <message>", name, message}}.
func (e locked) failEarlyLocked(r *runState, name, message string) {
	out, _ := encodeCanonical(map[string]serverError{"error": {Error: name + ": " + message, Name: name, Message: message}})
	e.historyLocked(r, "error", "", 0, name+": "+message)
	e.finishLocked(r, runtype.StatusFailed, out, &runtype.RunError{Name: name, Message: message, NoRetry: true})
}
