package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// applyOpsLocked handles the ops of a 206 response.
func (e locked) applyOpsLocked(r *runState, t enginestore.TimerItem, res callResult, ops []wire.Op) {
	targeted := t.StepID != wire.DiscoveryStepID
	now := e.clock.Now()
	if len(ops) == 0 {
		if !targeted {
			e.functionErrorLocked(r, t, res, &runtype.RunError{Name: "Error", Message: "empty op list in discovery response"})
			return
		}
		r.Pending--
		if r.Pending <= 0 {
			e.groupDoneLocked(r, now)
		}
		e.saveRunLocked(r)
		return
	}
	nonLazy := 0
	for _, op := range ops {
		switch op.Op {
		case wire.OpDeferAdd, wire.OpDeferAbort, wire.OpNone:
		default:
			nonLazy++
		}
	}
	if nonLazy > 1 {
		r.ForcePlan = true
	}
	threads, repeated := 0, 0
	race := !targeted && raceRunLocked(r, ops)
	for _, op := range ops {
		if race {
			if outstanding, skip := duplicateOpLocked(r, op); skip {
				if outstanding {
					threads++
					repeated++
				}
				continue
			}
		}
		if strings.EqualFold(wire.ParallelModeOf(op.Opts), wire.ParallelModeRace) {
			stepRecordLocked(r, op).Race = true
		}
		switch op.Op {
		case wire.OpStepRun, wire.OpStep:
			rec := stepRecordLocked(r, op)
			rec.Attempts++
			storeMemoLocked(r, op.ID, stepMemo(op))
		case wire.OpStepError, wire.OpStepFailed:
			rec := stepRecordLocked(r, op)
			rec.Attempts++
			val, se := memoError(op.Error)
			rec.LastError = se
			final := op.Op == wire.OpStepFailed || (res.hasNoRetry && res.noRetry) || t.Attempt+1 >= r.MaxAttempts
			if !final {
				e.historyLocked(r, "step-error", op.ID, 0, fmt.Sprintf("attempt %d failed: %s", t.Attempt, stepErrorText(se)))
				e.retryLocked(r, t, res.retryAfter)
				e.saveRunLocked(r)
				return
			}
			e.historyLocked(r, "step-failed", op.ID, 0, fmt.Sprintf("attempt %d failed: %s", t.Attempt, stepErrorText(se)))
			rec.Error = se
			rec.Op = string(wire.OpStepFailed)
			storeMemoLocked(r, op.ID, val)
		case wire.OpStepPlanned:
			stepRecordLocked(r, op)
			r.GroupTargeted = true
			e.newCallLocked(r, op.ID, now)
			threads++
		case wire.OpSleep:
			stepRecordLocked(r, op)
			d, raw, err := sleepDuration(op, now)
			if err != nil {
				e.opErrorLocked(r, t, res, err.Error())
				return
			}
			if d > rules.MaxSleep {
				e.failEarlyLocked(r, errTimeoutTooLong, fmt.Sprintf("The sleep %q ends more than one year in the future; sleeps may last at most one year.", raw))
				return
			}
			e.historyLocked(r, "sleep", op.ID, 0, d.String())
			e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerSleep, At: now.Add(d), RunID: r.ID, StepID: op.ID})
			threads++
		case wire.OpWaitForEvent, wire.OpInvokeFunction, wire.OpWaitForSignal:
			stepRecordLocked(r, op)
			park := e.waitLocked
			switch op.Op {
			case wire.OpInvokeFunction:
				park = e.invokeLocked
			case wire.OpWaitForSignal:
				park = e.signalWaitLocked
			}
			waiting, failed := park(r, t, res, op, now)
			if failed {
				return
			}
			if waiting {
				threads++
			}
		case wire.OpGateway:
			stepRecordLocked(r, op)
			e.gatewayLocked(r, op)
			threads++
		case wire.OpAIGateway:
			stepRecordLocked(r, op)
			e.aiGatewayLocked(r, op)
			threads++
		case wire.OpSyncRunComplete:
			// A durable endpoint finished asynchronously: {"data": its response}.
			out, status, re := endpointOutput(op.Data, true)
			e.finishLocked(r, status, out, re)
			return
		case wire.OpRunComplete:
			out := op.Data
			if len(out) == 0 {
				out = json.RawMessage("null")
			}
			e.finishLocked(r, runtype.StatusCompleted, canonical(out), nil)
			return
		}
	}
	switch {
	case targeted:
		r.Pending += threads - 1
	case race && nonLazy <= 1:
		// The server replaces its set of pending steps only with a response of
		// several ops (SavePending); a single op leaves the steps still
		// outstanding pending, so the step after a race does not end the group
		// while a loser's step is out (recorded: wire-race.json).
		r.Pending += threads - repeated
	default:
		r.Pending = threads
	}
	if r.Pending <= 0 {
		r.Pending = 0
		e.groupDoneLocked(r, now)
	} else if targeted && threads == 0 && isRaceStepLocked(r, t.StepID) {
		// As the server's shouldEnqueueDiscovery: a race step that ended makes
		// a discovery call at once, whatever else is pending.
		e.groupDoneLocked(r, now)
	}
	e.saveRunLocked(r)
}

// raceRunLocked reports whether a discovery response belongs to a run with
// race steps (reported now or before). Only there may a discovery call run
// while steps it planned earlier are still outstanding, and report them again.
func raceRunLocked(r *runState, ops []wire.Op) bool {
	for _, op := range ops {
		if strings.EqualFold(wire.ParallelModeOf(op.Opts), wire.ParallelModeRace) {
			return true
		}
	}
	for i := range r.Steps {
		if r.Steps[i].Race {
			return true
		}
	}
	return false
}

// isRaceStepLocked reports whether step id was reported from a race branch.
func isRaceStepLocked(r *runState, id string) bool {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return r.Steps[i].Race
		}
	}
	return false
}

// duplicateOpLocked reports whether a discovery response's op is for a step the
// run already has: one that has a result (skip it), or one still outstanding
// with the same op (skip it, but it still counts as a thread of the group). The
// server's job and pause ids make such a repeated op a no-op; the engine skips
// it so that the step does not run twice.
func duplicateOpLocked(r *runState, op wire.Op) (outstanding, skip bool) {
	for i := range r.Steps {
		s := &r.Steps[i]
		if s.ID != op.ID {
			continue
		}
		if s.Done {
			return false, true
		}
		switch op.Op {
		case wire.OpStepPlanned:
			return true, s.Op == string(wire.OpStepPlanned) || s.Op == string(wire.OpStepError)
		case wire.OpSleep, wire.OpWaitForEvent, wire.OpInvokeFunction, wire.OpWaitForSignal, wire.OpGateway, wire.OpAIGateway:
			return true, s.Op == string(op.Op)
		}
		return false, false
	}
	return false, false
}

// groupDoneLocked ends a group: reset force-plan (request version ≥ 2) after
// targeted calls, then make a discovery call.
func (e locked) groupDoneLocked(r *runState, now time.Time) {
	if r.GroupTargeted && r.Version >= 2 {
		r.ForcePlan = false
	}
	r.GroupTargeted = false
	e.newCallLocked(r, wire.DiscoveryStepID, now)
}

// resumeLocked memoizes the result of an asynchronous step (sleep, wait,
// invoke, gateway) and continues the run when its group is done.
func (e locked) resumeLocked(runID, stepID string, value json.RawMessage, kind, detail string) {
	e.resumeAILocked(runID, stepID, value, kind, detail, nil)
}

// resumeAILocked is resumeLocked that records ai (when not nil) on the
// history entry.
func (e locked) resumeAILocked(runID, stepID string, value json.RawMessage, kind, detail string, ai *runtype.AIMetadata) {
	r := e.loadRunLocked(runID)
	if r == nil || r.Status.Done() {
		return
	}
	if !storeMemoLocked(r, stepID, value) {
		return
	}
	r.Waits = slices.DeleteFunc(r.Waits, func(w runtype.WaitInfo) bool { return w.StepID == stepID })
	e.historyLocked(r, kind, stepID, 0, detail)
	if ai != nil {
		// The entry was just appended past the length a stored copy has.
		r.History[len(r.History)-1].AI = ai
	}
	r.Pending--
	if r.Pending <= 0 {
		r.Pending = 0
		e.groupDoneLocked(r, e.clock.Now())
	} else if isRaceStepLocked(r, stepID) {
		e.groupDoneLocked(r, e.clock.Now())
	}
	e.saveRunLocked(r)
}

// parseWhen reads a time string or an absolute RFC3339 date (strings of 10+
// characters that parse as dates), returning the delay from now.
func parseWhen(s string, now time.Time) (time.Duration, bool) {
	if len(s) >= 10 {
		for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Sub(now), true
			}
		}
	}
	d, err := timestr.Parse(s)
	if err != nil {
		return 0, false
	}
	return d, true
}

func clampWait(d time.Duration) time.Duration { return min(max(d, 0), rules.MaxWait) }

// sleepDuration reads opts.duration, or the op name when it is empty, as the
// server does, and returns the delay (0 for a time in the past or no value)
// with the string it was read from; a string that is neither a duration nor a
// date is an error.
func sleepDuration(op wire.Op, now time.Time) (time.Duration, string, error) {
	var opts wire.SleepOpts
	_ = jsoncodec.Unmarshal(op.Opts, &opts)
	s := opts.Duration
	if s == "" {
		s = op.Name
	}
	if s == "" {
		return 0, "", nil
	}
	d, ok := parseWhen(s, now)
	if !ok {
		return 0, s, fmt.Errorf("time: invalid duration %q", s)
	}
	return max(d, 0), s, nil
}

// timeoutError is the server's error for a wait or invoke timeout it cannot
// parse.
func timeoutError(what, s string) string {
	return fmt.Sprintf("unable to parse %s expires: invalid duration %q: time: invalid duration %q", what, s, s)
}

// opExpiryLocked is when an invoke or a signal wait with this timeout expires:
// a year from now without one (the server's time.AddDate(1, 0, 0)). ok is false
// when the timeout does not parse; the call has then failed (opErrorLocked).
func (e locked) opExpiryLocked(r *runState, t enginestore.TimerItem, res callResult, what, timeout string, now time.Time) (expire time.Time, ok bool) {
	if timeout == "" {
		return now.AddDate(1, 0, 0), true
	}
	d, ok := parseWhen(timeout, now)
	if !ok {
		e.opErrorLocked(r, t, res, timeoutError(what, timeout))
		return time.Time{}, false
	}
	return now.Add(max(d, 0)), true
}

// opErrorLocked handles a response the server cannot act on (a duration it
// cannot parse): as on the server, the call fails and the same job is retried
// (attempt + 1, after the backoff table or Retry-After); when the attempts
// are spent, or the SDK said not to retry, the run fails.
func (e locked) opErrorLocked(r *runState, t enginestore.TimerItem, res callResult, msg string) {
	re := &runtype.RunError{Name: "Error", Message: "error handling generator response: " + msg}
	e.historyLocked(r, "error", t.StepID, res.status, re.Message)
	if !(res.hasNoRetry && res.noRetry) && t.Attempt+1 < r.MaxAttempts {
		e.retryLocked(r, t, res.retryAfter)
		e.saveRunLocked(r)
		return
	}
	out, _ := encodeCanonical(map[string]string{"message": re.Message})
	e.finishLocked(r, runtype.StatusFailed, out, re)
}

// waitLocked registers a waitForEvent pause; waiting is false when the step
// resolved at once, failed is true when the run failed (a timeout beyond the
// server's maximum).
func (e locked) waitLocked(r *runState, t enginestore.TimerItem, res callResult, op wire.Op, now time.Time) (waiting, failed bool) {
	var opts wire.WaitForEventOpts
	_ = jsoncodec.Unmarshal(op.Opts, &opts)
	if opts.Event == "" {
		// The JavaScript SDK sends the event name as the op's name; the
		// server falls back to it.
		opts.Event = op.Name
	}
	if opts.If != "" {
		if _, err := e.compileExpr(expr.Wait, opts.If); err != nil {
			val, se := memoError(&wire.MemoError{Name: "Error", Message: "invalid waitForEvent expression: " + err.Error()})
			stepRecordLocked(r, op).Error = se
			storeMemoLocked(r, op.ID, val)
			return false, false
		}
		// Like the server, the restrictive policy of cancel expressions only
		// earns a warning here (PROTOCOL §8.2).
		if _, err := e.compileExpr(expr.Cancel, opts.If); err != nil {
			e.log.Warn("inngest: waitForEvent expression breaks the restrictive expression policy", "run", r.ID, "step", op.ID, "if", opts.If, "err", err)
		}
	}
	var d time.Duration
	if opts.Timeout != "" {
		var ok bool
		if d, ok = parseWhen(opts.Timeout, now); !ok {
			e.opErrorLocked(r, t, res, timeoutError("wait for event", opts.Timeout))
			return false, true
		}
	}
	if d > rules.MaxWait {
		e.failEarlyLocked(r, errTimeoutTooLong, fmt.Sprintf("The wait-for-event timeout %q expires more than one year in the future; timeouts may last at most one year.", opts.Timeout))
		return false, true
	}
	p := enginestore.Pause{ID: r.ID + "/" + op.ID, Kind: enginestore.PauseWait, RunID: r.ID, StepID: op.ID, Event: opts.Event, If: opts.If, Expires: now.Add(clampWait(d))}
	tm := e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerPauseTimeout, At: p.Expires, RunID: r.ID, StepID: op.ID, PauseID: p.ID})
	p.TimerID = tm.ID
	_ = e.savePauseLocked(r, p)
	r.Waits = append(r.Waits, runtype.WaitInfo{StepID: op.ID, Event: opts.Event, If: opts.If, Expires: p.Expires})
	e.historyLocked(r, "wait", op.ID, 0, "waiting for "+opts.Event)
	return true, false
}

// pauseTimeoutLocked resolves a timed-out pause.
func (e locked) pauseTimeoutLocked(t enginestore.TimerItem) {
	ok, _ := e.deletePauseLocked(t.PauseID)
	if !ok {
		return
	}
	if strings.HasPrefix(t.PauseID, "invoke:") {
		val, _ := encodeCanonical(map[string]any{"error": map[string]string{
			"name":    "InngestInvokeTimeoutError",
			"message": "Timed out waiting for invoked function to complete",
			"error":   "InngestInvokeTimeoutError: Timed out waiting for invoked function to complete",
		}})
		e.resumeLocked(t.RunID, t.StepID, val, "invoke", "timed out")
		return
	}
	e.resumeLocked(t.RunID, t.StepID, json.RawMessage("null"), "wait", "timed out")
}

// invokeLocked starts the invoked function; waiting is false when the step
// resolved at once, failed is true when the call failed (a timeout the
// server cannot parse).
func (e locked) invokeLocked(r *runState, t enginestore.TimerItem, res callResult, op wire.Op, now time.Time) (waiting, failed bool) {
	var opts wire.InvokeOpts
	_ = jsoncodec.Unmarshal(op.Opts, &opts)
	fail := func(msg string) (bool, bool) {
		val, se := memoError(&wire.MemoError{Name: "Error", Message: msg})
		stepRecordLocked(r, op).Error = se
		storeMemoLocked(r, op.ID, val)
		return false, false
	}
	// Unlike sleeps and waits, invoke timeouts have no maximum on the server.
	expire, ok := e.opExpiryLocked(r, t, res, "invoke function", opts.Timeout, now)
	if !ok {
		return false, true
	}
	target := e.s.fns[opts.FunctionID]
	if target == nil {
		return fail("could not find function with ID: " + opts.FunctionID)
	}
	correlation := r.ID + "." + op.ID
	data := map[string]any{}
	if len(opts.Payload.Data) > 0 {
		if err := jsoncodec.Unmarshal(opts.Payload.Data, &data); err != nil || data == nil {
			data = map[string]any{}
		}
	}
	src := e.s.fns[r.FunctionID]
	meta := map[string]any{
		"correlation_id": correlation,
		"expire":         expire.UnixMilli(),
		"fn_id":          opts.FunctionID,
		"gid":            randomUUID(),
		"name":           op.Name,
		"source_fn_v":    1,
	}
	if src != nil {
		meta["source_app_id"] = src.app.rec.ID
		meta["source_fn_id"] = src.uuid
	}
	data["_inngest"] = meta
	user := opts.Payload.User
	if len(user) == 0 || string(user) == "null" {
		user = json.RawMessage("{}")
	}
	db, _ := jsoncodec.Marshal(data)
	ev := eventJSON{Data: db, ID: wire.NewULID(now), Name: wire.EventFunctionInvoked, TS: now.UnixMilli(), User: user}
	raw, _ := encodeCanonical(ev)
	rec := enginestore.EventRecord{ID: ev.ID, Name: ev.Name, Raw: canonical(raw), ReceivedAt: now, Internal: true}
	p := enginestore.Pause{ID: "invoke:" + correlation, Kind: enginestore.PauseInvoke, RunID: r.ID, StepID: op.ID, CorrelationID: correlation, Expires: expire}
	tm := e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerPauseTimeout, At: expire, RunID: r.ID, StepID: op.ID, PauseID: p.ID})
	p.TimerID = tm.ID
	_ = e.savePauseLocked(r, p)
	e.historyLocked(r, "invoke", op.ID, 0, "invoking "+opts.FunctionID)
	if _, err := e.store.SaveEvent(e.ctx, rec); e.check(err) != nil {
		e.log.Error("inngest: save event", "err", err)
	}
	if e.triggerFnLocked(target, rec, now, correlation, &lazyVars{raw: rec.Raw, decodes: &e.eventDecodes}) {
		// As the server does, a rate-limited (or idempotency-skipped) invoke
		// fails the invoking step at once instead of waiting for the timeout.
		_, _ = e.deletePauseLocked(p.ID)
		e.cancelTimerLocked(tm.ID)
		return fail(errInvokeRateLimited)
	}
	return true, false
}

// errInvokeRateLimited is the server's error for an invoke its target's rate
// limit (or idempotency) dropped.
const errInvokeRateLimited = "invoked function is rate limited"

// resolveInvokeLocked hands a finished child run's result to its parent:
// {"data": output} or {"error": ...}. finished is the child's
// function.finished event; like the server, which resumes the parent with
// that event's error or result, a cancelled child (whose event has neither)
// resolves the step to the whole event.
func (e locked) resolveInvokeLocked(child *runState, finished json.RawMessage) {
	parentID, stepID, ok := strings.Cut(child.CorrelationID, ".")
	if !ok {
		return
	}
	pid := "invoke:" + child.CorrelationID
	if deleted, _ := e.deletePauseLocked(pid); !deleted {
		return
	}
	for id := range e.s.runTimer[parentID] {
		if q := e.s.index[id]; q != nil && q.t.PauseID == pid {
			e.cancelTimerLocked(id)
		}
	}
	var val json.RawMessage
	switch {
	case child.Status == runtype.StatusCancelled && len(finished) > 0:
		val = canonical(finished)
	case child.Status == runtype.StatusCompleted:
		out := child.Output
		if len(out) == 0 {
			out = json.RawMessage("null")
		}
		val, _ = encodeCanonical(struct {
			Data json.RawMessage `json:"data"`
		}{out})
	default:
		val, _ = encodeCanonical(struct {
			Error any `json:"error"`
		}{lifecycleError(child)})
	}
	e.resumeLocked(parentID, stepID, val, "invoke", "invoked run "+child.ID+" "+string(child.Status))
}

// stepErrorText is "name: message" for history entries.
func stepErrorText(se *runtype.StepError) string {
	if se.Name == "" {
		return se.Message
	}
	return se.Name + ": " + se.Message
}
