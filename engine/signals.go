package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// errSignalConflict is the message a run fails with when it waits for a
// signal another wait owns and its conflict policy is "fail" (the server's
// ErrSignalConflict, wrapped as a standard error).
const errSignalConflict = "Signal conflict; signal wait already exists for another run"

// ErrNoSignalWait is returned by SendSignal when no run waits for the signal.
var ErrNoSignalWait = errors.New("inngest: no run waits for this signal")

// signalWaitLocked registers a waitForSignal pause; waiting is false when the
// step resolved at once, failed is true when the run failed (a conflict under
// the "fail" policy) or the call is retried (opts the server cannot read).
//
// As on the server, one wait owns a signal at a time: with the "fail" policy
// (the default) a second wait for an owned signal fails its run early; with
// "replace" it takes the signal over and the previous wait is left to time
// out.
func (e locked) signalWaitLocked(r *runState, t enginestore.TimerItem, res callResult, op wire.Op, now time.Time) (waiting, failed bool) {
	var opts wire.WaitForSignalOpts
	if err := jsoncodec.Unmarshal(op.Opts, &opts); err != nil && len(op.Opts) > 0 && string(op.Opts) != "null" {
		e.opErrorLocked(r, t, res, "unable to parse signal opts: "+err.Error())
		return false, true
	}
	if opts.Signal == "" {
		e.opErrorLocked(r, t, res, "signal name is empty")
		return false, true
	}
	expire, ok := e.opExpiryLocked(r, t, res, "signal", opts.Timeout, now)
	if !ok {
		return false, true
	}
	id := "signal:" + r.ID + "/" + op.ID
	owners, err := e.store.PausesForEvent(e.ctx, opts.Signal)
	_ = e.check(err)
	for _, o := range owners {
		if o.Kind != enginestore.PauseSignal || o.ID == id {
			continue
		}
		if opts.Conflict != wire.SignalConflictReplace {
			e.failEarlyLocked(r, "Error", errSignalConflict)
			return false, true
		}
		// Replaced: the old wait keeps its timeout but can no longer
		// receive the signal.
		o.Event = ""
		_ = e.savePauseLocked(nil, o)
	}
	p := enginestore.Pause{ID: id, Kind: enginestore.PauseSignal, RunID: r.ID, StepID: op.ID, Event: opts.Signal, Expires: expire}
	tm := e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerPauseTimeout, At: expire, RunID: r.ID, StepID: op.ID, PauseID: p.ID})
	p.TimerID = tm.ID
	_ = e.savePauseLocked(r, p)
	r.Waits = append(r.Waits, runtype.WaitInfo{StepID: op.ID, Signal: opts.Signal, Expires: expire})
	e.historyLocked(r, "wait", op.ID, 0, "waiting for signal "+opts.Signal)
	return true, false
}

// resumeSignalLocked hands data to the wait that owns the signal named name
// and returns its run's ID, or ErrNoSignalWait.
func (e locked) resumeSignalLocked(name string, data json.RawMessage) (string, error) {
	ps, err := e.store.PausesForEvent(e.ctx, name)
	if e.check(err) != nil {
		return "", err
	}
	now := e.clock.Now()
	for _, p := range ps {
		if p.Kind != enginestore.PauseSignal || (!p.Expires.IsZero() && now.After(p.Expires)) {
			continue
		}
		if _, ok := e.claimPauseLocked(p); !ok {
			continue
		}
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		val, err := encodeCanonical(struct {
			Data wire.SignalResult `json:"data"`
		}{wire.SignalResult{Signal: name, Data: data}})
		if err != nil {
			return "", err
		}
		e.resumeLocked(p.RunID, p.StepID, val, "wait", "received signal "+name)
		return p.RunID, nil
	}
	return "", ErrNoSignalWait
}

// SendSignal resumes the run waiting in step.WaitForSignal for the signal
// named name, handing it data (JSON; empty means null), and returns that
// run's ID. It returns ErrNoSignalWait when no run waits for the signal.
func (e *Engine) SendSignal(name string, data json.RawMessage) (string, error) {
	if name == "" {
		return "", errors.New("inngest: signal ID is empty")
	}
	l := e.lock()
	defer l.unlock()
	var runID string
	err := l.atomicLocked(func(e locked) error {
		var err error
		runID, err = e.resumeSignalLocked(name, data)
		return err
	})
	return runID, err
}

// handleSignal is POST /v1/signals, answered as the server does: 200
// {"data":{"run_id"},"metadata"}, 404 "No signal found" when no run waits for
// the signal, 400 for a body that is not JSON, 500 for an empty signal name.
func (e *Engine) handleSignal(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody+1))
	var req wire.SignalRequest
	if err == nil && len(body) > maxEventBody {
		err = fmt.Errorf("body exceeds %d bytes", maxEventBody)
	}
	if err == nil {
		err = jsoncodec.Unmarshal(body, &req)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]any{"error": "Invalid signal data", "data": nil, "status": 400})
		return
	}
	runID, err := e.SendSignal(req.Signal, req.Data)
	switch {
	case errors.Is(err, ErrNoSignalWait):
		writeJSON(w, http.StatusNotFound, "application/json", map[string]any{"error": "No signal found", "data": nil, "status": 404})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, "application/json", map[string]any{"error": "Failed to receive signal", "data": nil, "status": 500})
	default:
		writeJSON(w, http.StatusOK, "application/json", map[string]any{"data": wire.SignalResponse{RunID: runID}, "metadata": apiMetaUncached(e.clock.Now())})
	}
}

// apiMetaUncached is the metadata of an answer the server does not cache
// (WriteResponse): fetched_at only.
func apiMetaUncached(now time.Time) map[string]any {
	return map[string]any{"fetched_at": now.UTC().Format(time.RFC3339Nano)}
}
