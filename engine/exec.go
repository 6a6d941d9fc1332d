package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// loadRunLocked returns a run, or nil.
func (e locked) loadRunLocked(id string) *runState {
	var r *enginestore.RunRecord
	var err error
	if m, ok := e.store.(enginestore.RunSharer); ok {
		r, err = m.SharedRun(e.ctx, id)
	} else {
		r, err = e.store.Run(e.ctx, id)
	}
	if e.check(err) != nil {
		return nil
	}
	return &runState{RunRecord: *r}
}

// saveRunLocked stores r. With a RunSharer Store, the store keeps r's record
// itself: r must not be modified afterwards (load the run again to change
// it).
func (e locked) saveRunLocked(r *runState) {
	var err error
	if m, ok := e.store.(enginestore.RunSharer); ok {
		err = m.KeepRun(e.ctx, &r.RunRecord)
	} else {
		err = e.store.SaveRun(e.ctx, &r.RunRecord)
	}
	if e.check(err) != nil {
		e.log.Error("inngest: save run", "run", r.ID, "err", err)
	}
	e.notifyLocked()
}

// historyLocked appends an entry to r's History, dropping the oldest entry
// after the first runtype.HistoryHead when runtype.MaxHistory are kept already. It never
// writes into History's backing array but past its length (a stored copy of
// the run may share it).
func (e locked) historyLocked(r *runState, kind, stepID string, status int, detail string) {
	item := runtype.HistoryItem{Time: e.clock.Now(), Kind: kind, StepID: stepID, Status: status, Detail: detail}
	if len(r.History) < runtype.MaxHistory {
		r.History = append(r.History, item)
		return
	}
	drop := len(r.History) - runtype.MaxHistory + 1
	h := make([]runtype.HistoryItem, 0, runtype.MaxHistory)
	h = append(h, r.History[:runtype.HistoryHead]...)
	h = append(h, r.History[runtype.HistoryHead+drop:]...)
	r.History = append(h, item)
	r.HistoryDropped += drop
}

// newCallLocked schedules a fresh call job (attempt 0, generation 1).
func (e locked) newCallLocked(r *runState, stepID string, at time.Time) {
	e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerCall, At: at, RunID: r.ID, StepID: stepID, JobID: newJobID(), Generation: 1, Priority: r.Priority})
}

// acquireLocked takes every concurrency slot a call of run needs.
// When one is full it takes none and returns the full one.
func (e locked) acquireLocked(fn *fnState, r *runState, holder string) ([]heldSlot, slotKey, bool) {
	var held []heldSlot
	for i, c := range fn.conc {
		key := r.Keys[fmt.Sprintf("c%d", i)]
		sem := c.sem
		if sem == nil {
			name := c.scope + ":" + fmt.Sprint(c.limit)
			sem = e.s.shared[name]
			if sem == nil {
				sem = flow.NewConcurrency(c.limit)
				e.s.shared[name] = sem
			}
		}
		if !sem.TryAcquire(key, holder) {
			for _, h := range held {
				h.sem.Release(h.key, holder)
			}
			return nil, slotKey{sem: sem, key: key}, false
		}
		held = append(held, heldSlot{sem: sem, key: key})
	}
	return held, slotKey{}, true
}

// startCallLocked starts the HTTP call of a due call job.
func (e locked) startCallLocked(t enginestore.TimerItem, now time.Time) {
	started := false
	wokenFor, woken := e.takeWokenLocked(t.ID)
	defer func() {
		if !started {
			e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, t.ID))
			if woken {
				e.wakeLocked(wokenFor) // the slot it was woken for is still free
			}
		}
	}()
	r := e.loadRunLocked(t.RunID)
	if r == nil || r.Status.Done() {
		return
	}
	fn := e.s.fns[r.FunctionID]
	if fn == nil {
		fn = e.endpointRunFnLocked(r)
	}
	if fn == nil {
		e.finishLocked(r, runtype.StatusFailed, json.RawMessage(`{"message":"function not found"}`), &runtype.RunError{Name: "Error", Message: "function " + r.FunctionID + " is not synced", NoRetry: true})
		return
	}
	requestID := wire.NewULID(now)
	tookRun, full, ok := e.takeRunSlotLocked(fn, r, wokenFor, woken)
	var held []heldSlot
	if ok {
		held, full, ok = e.acquireLocked(fn, r, requestID)
		if !ok && tookRun {
			e.giveBackRunSlotLocked(fn, r)
		}
	}
	if !ok {
		e.parkLocked(t, full)
		if woken && full != wokenFor {
			e.wakeLocked(wokenFor) // it took and gave back that slot
		}
		started = true
		e.logStoreErr("SaveTimer", e.store.SaveTimer(e.ctx, t))
		return
	}
	var (
		body     []byte
		url      string
		err      error
		endpoint *endpointCall
	)
	if fn.endpoint != nil {
		body, url, endpoint, err = e.buildEndpointCallLocked(r)
	} else {
		body, url, err = e.buildCallLocked(r, fn, t, requestID)
	}
	if err != nil {
		for _, h := range held {
			h.sem.Release(h.key, requestID)
		}
		e.finishLocked(r, runtype.StatusFailed, nil, &runtype.RunError{Name: "Error", Message: err.Error(), NoRetry: true})
		return
	}
	if !r.Started {
		r.Started = true
		r.Status = runtype.StatusRunning
		for id := range e.s.runTimer[r.ID] {
			if q := e.s.index[id]; q != nil && q.t.Kind == enginestore.TimerStartTimeout {
				e.cancelTimerLocked(id)
			}
		}
		if fn.finishTO > 0 {
			e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerFinishTimeout, At: flow.FinishDeadline(now, fn.finishTO), RunID: r.ID})
		}
	}
	r.Calls++
	if t.StepID == wire.DiscoveryStepID {
		r.StackCurrent = len(r.Memo) // sent by the targeted calls this call plans
	}
	if t.StepID == wire.DiscoveryStepID && t.Attempt == 0 && r.Attempts == 0 {
		r.Attempts = 1
	}
	job := &callJob{t: t, runID: r.ID, requestID: requestID, url: url, body: body, version: r.Version, held: held}
	if fn.endpoint != nil {
		job.endpoint = endpoint
	} else {
		job.connect = connectCallLocked(fn, job)
	}
	e.callHistoryLocked(r, job, nil, "call", 0, "attempt "+strconv.Itoa(t.Attempt)+", generation "+strconv.Itoa(t.Generation))
	e.saveRunLocked(r)
	started = true
	e.onRollbackLocked(func(e locked) {
		for _, h := range held {
			h.sem.Release(h.key, requestID)
		}
	})
	e.afterCommitLocked(func(e locked) {
		e.s.inflight++
		if t.JobID != "" {
			e.s.calls[t.JobID] = job
		}
		e.wg.Add(1)
		e.dispatchCallLocked(job)
	})
}

func (e *Engine) runCall(job *callJob) {
	defer e.wg.Done()
	res := e.doCall(e.ctx, job)
	l := e.lock()
	l.s.inflight--
	l.notifyLocked() // Idle may hold now even when the result changes no run
	if l.s.calls[job.t.JobID] == job {
		delete(l.s.calls, job.t.JobID)
	}
	for _, h := range job.held {
		h.sem.Release(h.key, job.requestID)
		l.wakeLocked(slotKey(h))
	}
	if e.ctx.Err() == nil {
		err := l.atomicLocked(func(e locked) error {
			e.handleResultLocked(job, res)
			return e.check(e.store.DeleteTimer(e.ctx, job.t.ID))
		})
		if err != nil {
			// Rolled back: the result is lost but the call's timer is still
			// stored, as after a crash mid-call; make the call again.
			t := job.t
			t.At = e.clock.Now().Add(retryAfterRollback)
			l.enqueue(t)
		}
	}
	l.unlock()
	e.poke()
}

// handleResultLocked applies the outcome of a call to its run.
func (e locked) handleResultLocked(job *callJob, res callResult) {
	r := e.loadRunLocked(job.runID)
	if r == nil || r.Status.Done() {
		return
	}
	t := job.t
	if res.hasVersion && res.isSDK {
		r.Version = res.reqVersion
	}
	switch {
	case res.transport != nil:
		e.callHistoryLocked(r, job, &res, "error", 0, res.transport.Error())
		e.functionErrorLocked(r, t, res, &runtype.RunError{Name: "Error", Message: res.transport.Error()})
	case res.status >= 200 && res.status < 300 && !res.isSDK:
		e.callHistoryLocked(r, job, &res, "error", res.status, "response is not from an SDK (no X-Inngest-SDK header)")
		e.functionErrorLocked(r, t, res, &runtype.RunError{Name: "Error", Message: "Your server is not responding with the Inngest SDK: missing X-Inngest-SDK header"})
	case res.status == http.StatusOK && !(res.hasNoRetry && res.noRetry):
		e.callHistoryLocked(r, job, &res, "completed", res.status, "")
		out := bytes.TrimSpace(res.body)
		if len(out) == 0 {
			out = []byte("null")
		}
		e.finishLocked(r, runtype.StatusCompleted, canonical(out), nil)
	case res.status == http.StatusPartialContent:
		ops, err := parseOps(res.body)
		if err != nil {
			e.callHistoryLocked(r, job, &res, "error", res.status, err.Error())
			e.functionErrorLocked(r, t, res, &runtype.RunError{Name: "Error", Message: err.Error()})
			return
		}
		e.callHistoryLocked(r, job, &res, "ops", res.status, opsSummary(ops))
		e.applyOpsLocked(r, t, res, ops)
	default:
		// Like the server, any answer but a 206 that says no-retry is a
		// final error, a 200 too: the JavaScript SDK's Connect worker
		// answers a NonRetriableError with DONE (200) and no_retry, and the
		// server fails the run with it (observed on inngest dev).
		e.callHistoryLocked(r, job, &res, "error", res.status, string(truncate(res.body, 200)))
		re := errorFromBody(res.body)
		re.NoRetry = res.hasNoRetry && res.noRetry
		r.errKind = fmt.Sprintf("invalid status code: %d", res.status)
		e.functionErrorLocked(r, t, res, re)
	}
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func opsSummary(ops []wire.Op) string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = string(o.Op) + "(" + o.Name + ")"
	}
	return strings.Join(parts, ", ")
}

// errorFromBody reads {name, message} from an SDK error body.
func errorFromBody(body []byte) *runtype.RunError {
	var eb struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	re := &runtype.RunError{Name: "Error"}
	if jsoncodec.Unmarshal(body, &eb) == nil {
		if eb.Name != "" {
			re.Name = eb.Name
		}
		re.Message = eb.Message
		if re.Message == "" {
			re.Message = eb.Error
		}
	}
	if re.Message == "" {
		re.Message = string(truncate(bytes.TrimSpace(body), 1024))
	}
	return re
}

// functionErrorLocked handles a failed call: retry the same job or fail the run.
func (e locked) functionErrorLocked(r *runState, t enginestore.TimerItem, res callResult, re *runtype.RunError) {
	if !re.NoRetry && t.Attempt+1 < r.MaxAttempts {
		r.errKind = "" // it describes this attempt's error only
		e.retryLocked(r, t, res.retryAfter)
		e.saveRunLocked(r)
		return
	}
	var out json.RawMessage
	if b := bytes.TrimSpace(res.body); len(b) > 0 && jsoncodec.Valid(b) {
		out = canonical(b)
	} else if len(b) > 0 && res.transport == nil {
		out, _ = encodeCanonical(string(b)) // as the server shows a body that is not JSON
	} else {
		out, _ = jsoncodec.Marshal(map[string]string{"message": re.Message})
	}
	e.finishLocked(r, runtype.StatusFailed, out, re)
}

// retryLocked re-schedules the same job with attempt+1 and generation+1.
func (e locked) retryLocked(r *runState, t enginestore.TimerItem, retryAfter time.Duration) {
	delay := retryAfter
	if delay == 0 {
		delay = e.opts.RetryBackoff(t.Attempt + 1)
	}
	t.ID = ""
	t.Attempt++
	t.Generation++
	t.At = e.clock.Now().Add(delay)
	if t.StepID == wire.DiscoveryStepID {
		r.Attempts = max(r.Attempts, t.Attempt+1)
	}
	e.historyLocked(r, "retry", t.StepID, 0, fmt.Sprintf("attempt %d in %s", t.Attempt, delay))
	e.scheduleLocked(t)
}

// parseOps decodes a 206 body: an array of ops or a single op.
func parseOps(body []byte) ([]wire.Op, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errString("inngest: empty 206 response")
	}
	var ops []wire.Op
	if b[0] == '{' {
		var op wire.Op
		if err := jsoncodec.Unmarshal(b, &op); err != nil {
			return nil, fmt.Errorf("inngest: invalid op: %w", err)
		}
		ops = []wire.Op{op}
	} else if err := jsoncodec.Unmarshal(b, &ops); err != nil {
		return nil, fmt.Errorf("inngest: invalid ops: %w", err)
	}
	for i := range ops {
		canon, ok := wire.ParseOpcode(string(ops[i].Op))
		if !ok {
			return nil, fmt.Errorf("inngest: unknown opcode %q", ops[i].Op)
		}
		ops[i].Op = canon
		// As the server (GeneratorOpcode.Validate): one op too large fails the
		// whole response.
		if err := wire.CheckOpSize(&ops[i]); err != nil {
			return nil, fmt.Errorf("inngest: error validating generator opcode %s: %w", ops[i].ID, err)
		}
	}
	return ops, nil
}

// stepRecordLocked returns the step record for a hash, creating it.
func stepRecordLocked(r *runState, op wire.Op) *runtype.Step {
	for i := range r.Steps {
		if r.Steps[i].ID == op.ID {
			if op.Name != "" {
				r.Steps[i].Name = op.Name
			}
			r.Steps[i].Op = string(op.Op)
			return &r.Steps[i]
		}
	}
	r.Steps = append(r.Steps, runtype.Step{ID: op.ID, Name: op.Name, Op: string(op.Op)})
	return &r.Steps[len(r.Steps)-1]
}

// stepMemo is the memo stored for a step that returned (from a 206 or a
// checkpoint): a StepRun's data wrapped as {"data": …}, as the server stores it,
// any other op's data as is; missing data is null.
func stepMemo(op wire.Op) json.RawMessage {
	val := op.Data
	if len(val) == 0 {
		val = json.RawMessage("null")
	}
	if op.Op != wire.OpStepRun {
		return canonical(val)
	}
	b, _ := encodeCanonical(struct {
		Data json.RawMessage `json:"data"`
	}{canonical(val)})
	return b
}

// storeMemoLocked memoizes a step result (ignoring duplicates).
func storeMemoLocked(r *runState, id string, value json.RawMessage) bool {
	for _, m := range r.Memo {
		if m.ID == id {
			return false
		}
	}
	r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: value})
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			r.Steps[i].Result = value
			r.Steps[i].Done = true
		}
	}
	return true
}

func memoError(me *wire.MemoError) (json.RawMessage, *runtype.StepError) {
	se := &runtype.StepError{Name: "Error", Message: "step failed"}
	if me != nil {
		se = &runtype.StepError{Name: me.Name, Message: me.Message, Stack: me.Stack, Data: me.Data}
	}
	b, _ := encodeCanonical(struct {
		Error any `json:"error"`
	}{Error: errorObject(me, se)})
	return canonical(b), se
}

func errorObject(me *wire.MemoError, se *runtype.StepError) any {
	if me == nil {
		return se
	}
	return me
}
