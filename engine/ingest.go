package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// ingestLocked stores one event and acts on it: it resolves matching pauses
// (waits, cancellations) and starts the functions it triggers. It reports
// whether the event was new (a repeated ID does nothing here; see
// redeliverLocked for ids the sender chose), and the enginestore.Store's
// error when the event could not be saved (then nothing else was done).
func (e locked) ingestLocked(rec enginestore.EventRecord, now time.Time) (bool, error) {
	inserted, err := e.store.SaveEvent(e.ctx, rec)
	if e.check(err) != nil {
		e.log.Error("inngest: save event", "event", rec.ID, "err", err)
		return false, &storeError{err: err}
	}
	if !inserted && !e.dedupExpiredLocked(rec.ID, now) {
		return false, nil
	}
	vars := &lazyVars{raw: rec.Raw, decodes: &e.eventDecodes}
	e.matchPausesLocked(rec, now, vars)
	e.triggerAllLocked(rec, now, nil, vars)
	e.notifyLocked()
	return true, nil
}

// redeliverLocked acts on an event whose id the sender chose and that was
// already received within the deduplication window: as the server does, it
// resumes waits and cancels runs, and starts only the functions that have no
// run for that id yet (the server's deduplication is per function).
func (e locked) redeliverLocked(rec enginestore.EventRecord, now time.Time) {
	vars := &lazyVars{raw: rec.Raw, decodes: &e.eventDecodes}
	e.matchPausesLocked(rec, now, vars)
	ran := map[string]bool{}
	if rs, err := e.store.RunsForEvent(e.ctx, rec.ID); e.check(err) == nil {
		for _, r := range rs {
			ran[r.FunctionID] = true
		}
	}
	e.triggerAllLocked(rec, now, ran, vars)
	e.notifyLocked()
}

// triggerAllLocked starts every function rec triggers, except those in skip,
// in composite-ID order; it looks functions up in the trigger index. vars
// is rec decoded on first use, shared by every function's expressions.
func (e locked) triggerAllLocked(rec enginestore.EventRecord, now time.Time, skip map[string]bool, vars *lazyVars) {
	for _, fn := range e.triggerIndexLocked().candidates(rec.Name) {
		if skip[fn.id] {
			continue
		}
		for _, tr := range fn.triggers {
			if tr.event == "" || !nameMatches(tr.event, rec.Name) {
				continue
			}
			if tr.cond != nil && !evalBool(tr.cond, vars.get()) {
				continue
			}
			e.triggerFnLocked(fn, rec, now, "", vars)
			break
		}
	}
}

// eventDedupWindow is how long an event id starts nothing when sent again:
// the server's idempotency period for event ids
// (consts.FunctionIdempotencyPeriod).
const eventDedupWindow = 24 * time.Hour

// dedupExpiredLocked reports whether an event id already stored was last
// accepted at least eventDedupWindow ago, and if so accepts it again now.
func (e locked) dedupExpiredLocked(id string, now time.Time) bool {
	last, ok := e.s.reaccepted[id]
	if !ok {
		old, err := e.store.Event(e.ctx, id)
		if e.check(err) != nil {
			return false
		}
		last = old.ReceivedAt
	}
	if now.Sub(last) < eventDedupWindow {
		return false
	}
	if e.s.reaccepted == nil {
		e.s.reaccepted = map[string]time.Time{}
	}
	if len(e.s.reaccepted) >= 1024 {
		for k, t := range e.s.reaccepted {
			if now.Sub(t) >= eventDedupWindow {
				delete(e.s.reaccepted, k) // expired: the stored, older time says the same
			}
		}
	}
	e.s.reaccepted[id] = now
	return true
}

// storeError is a enginestore.Store failure while accepting input: unlike a validation
// error it is the engine's fault, and the request may be retried (HTTP 500).
type storeError struct{ err error }

func (s *storeError) Error() string { return "could not store event: " + s.err.Error() }
func (s *storeError) Unwrap() error { return s.err }

// nameMatches matches an event trigger; a trailing '*' matches any suffix.
func nameMatches(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}

// matchPausesLocked resumes waits and cancels runs whose pause matches rec.
// Only the pauses waiting on rec's name are considered (pauseIndex), and
// each is checked against the event before its run is loaded: a pause whose
// expression compares fields for equality is found by a lookup of the
// event's values (a non-matching one costs nothing), any other by evaluating
// its expression over the run's cached trigger.
func (e locked) matchPausesLocked(rec enginestore.EventRecord, now time.Time, vars *lazyVars) {
	ps, err := e.matchingPausesLocked(rec, now, vars)
	if err != nil || len(ps) == 0 {
		return
	}
	for _, p := range ps {
		r, ok := e.claimPauseLocked(p)
		if !ok {
			continue
		}
		switch p.Kind {
		case enginestore.PauseWait:
			e.resumeLocked(p.RunID, p.StepID, rec.Raw, "wait", "matched event "+rec.ID)
		case enginestore.PauseCancel:
			e.cancelRunLocked(r, "cancelled by event "+rec.ID)
		}
	}
}

// claimPauseLocked takes pause p for its run: it deletes the pause and
// cancels its timer, and returns the run. It returns false when the run is
// gone or finished, or when another path (a timeout, an event, a signal)
// already took the pause.
func (e locked) claimPauseLocked(p enginestore.Pause) (*runState, bool) {
	r := e.loadRunLocked(p.RunID)
	if r == nil || r.Status.Done() {
		return nil, false
	}
	if ok, _ := e.deletePauseLocked(p.ID); !ok {
		return nil, false
	}
	if p.TimerID != "" {
		e.cancelTimerLocked(p.TimerID)
	}
	return r, true
}

// triggerFnLocked runs an event through fn's flow control and starts (or
// buffers) a run. It reports whether the rate limit (or idempotency, which
// the server implements as a rate limit) dropped the event. vars is rec
// decoded on first use.
func (e locked) triggerFnLocked(fn *fnState, rec enginestore.EventRecord, now time.Time, correlation string, vars *lazyVars) (rateLimited bool) {
	if fn.rateLimit != nil {
		if key, limited := vars.rate(fn.rateKey); limited {
			save := e.editKeyedLocked(fn, enginestore.FlowRateLimit, key)
			if !fn.rateLimit.Allow(key, now) {
				e.log.Debug("inngest: rate limited", "fn", fn.id, "event", rec.ID)
				return true
			}
			save()
		}
	}
	if fn.idem != nil {
		if key, limited := vars.rate(fn.idemKey); limited {
			save := e.editKeyedLocked(fn, enginestore.FlowIdempotency, key)
			if !fn.idem.FirstSeen(key, now) {
				e.log.Debug("inngest: idempotency key seen", "fn", fn.id, "event", rec.ID)
				return true
			}
			save()
		}
	}
	if fn.debounce != nil && correlation == "" {
		// Series already due start first, so that every buffered series
		// has its own stored record.
		if next, ok := fn.debounce.NextDue(); ok && !next.After(now) {
			e.debounceDueLocked(fn.id, now)
		}
		key := vars.key(fn.debounceKey)
		save := e.editDebounceLocked(fn, key)
		fn.debounce.Add(key, rec.Raw, now)
		save()
		e.rescheduleFlowLocked(fn, enginestore.TimerDebounce)
		return false
	}
	if fn.batch != nil && correlation == "" && vars.bool(fn.batchIf) {
		if next, ok := fn.batch.NextDue(); ok && !next.After(now) {
			e.batchDueLocked(fn.id, now)
		}
		key := vars.key(fn.batchKey)
		save := e.editBatchLocked(fn, key)
		full := fn.batch.Add(key, rec.Raw, now)
		save()
		if full != nil {
			e.createRunLocked(fn, full, now, "", "")
		}
		e.rescheduleFlowLocked(fn, enginestore.TimerBatch)
		return false
	}
	e.createRunLocked(fn, []json.RawMessage{rec.Raw}, now, correlation, "")
	return false
}

// rescheduleFlowLocked keeps one debounce/batch timer per function at the
// buffer's next due time.
func (e locked) rescheduleFlowLocked(fn *fnState, kind enginestore.TimerKind) {
	id := string(kind) + ":" + fn.id
	var next time.Time
	var ok bool
	if kind == enginestore.TimerDebounce {
		next, ok = fn.debounce.NextDue()
	} else {
		next, ok = fn.batch.NextDue()
	}
	if !ok {
		e.cancelTimerLocked(id)
		return
	}
	e.scheduleLocked(enginestore.TimerItem{ID: id, Kind: kind, At: next, FunctionID: fn.id})
}

func (e locked) debounceDueLocked(fnID string, now time.Time) {
	fn := e.s.fns[fnID]
	if fn == nil || fn.debounce == nil {
		return
	}
	for _, f := range fn.debounce.Due(now) {
		e.onRollbackLocked(func(e locked) {
			fn.debounce.Restore(flow.DebounceSeries[json.RawMessage](f))
		})
		// A newer series of the same key may be pending (an event came after
		// this one closed): keep its record, drop the key's otherwise.
		e.editDebounceLocked(fn, f.Key)()
		e.createRunLocked(fn, []json.RawMessage{f.Event}, now, "", "")
	}
	e.rescheduleFlowLocked(fn, enginestore.TimerDebounce)
}

func (e locked) batchDueLocked(fnID string, now time.Time) {
	fn := e.s.fns[fnID]
	if fn == nil || fn.batch == nil {
		return
	}
	for _, f := range fn.batch.Due(now) {
		e.onRollbackLocked(func(e locked) {
			fn.batch.Restore(flow.BatchPending[json.RawMessage]{Key: f.Key, Events: f.Events, Deadline: f.FireAt})
		})
		e.logStoreErr("DeleteFlow", e.store.DeleteFlow(e.ctx, fn.id, enginestore.FlowBatch, f.Key))
		e.createRunLocked(fn, f.Events, now, "", "")
	}
	e.rescheduleFlowLocked(fn, enginestore.TimerBatch)
}

func eventIDOf(raw json.RawMessage) string {
	var v struct {
		ID string `json:"id"`
	}
	_ = jsoncodec.Unmarshal(raw, &v)
	return v.ID
}

// createRunLocked creates a run for events and schedules its first call
// (after singleton, throttle and priority are applied). It returns nil when
// singleton skipped the run.
func (e locked) createRunLocked(fn *fnState, events []json.RawMessage, now time.Time, correlation, cron string) *runState {
	return e.createRunSeededLocked(fn, events, now, correlation, cron, "", nil)
}

// createRunSeededLocked is createRunLocked for a rerun: original is the run
// first rerun, and seed (nil for a whole rerun) what a rerun from a step
// starts with.
func (e locked) createRunSeededLocked(fn *fnState, events []json.RawMessage, now time.Time, correlation, cron, original string, seed *rerunSeed) *runState {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = eventIDOf(ev)
	}
	r := &runState{RunRecord: enginestore.RunRecord{
		Run: runtype.Run{
			ID: wire.NewULID(now), AppID: fn.app.rec.Name, FunctionID: fn.id, FunctionUUID: fn.uuid,
			Status: runtype.StatusQueued, EventIDs: ids, Events: events, StartedAt: now, MaxAttempts: fn.maxAttempts,
		},
		Version:       -1,
		CorrelationID: correlation,
		Cron:          cron,
		Keys:          map[string]string{},
	}}
	if parent, _, ok := strings.Cut(correlation, "."); ok {
		r.ParentRunID = parent
	}
	r.OriginalRunID = original
	first := wire.DiscoveryStepID
	if seed != nil {
		seed.apply(r)
		first = seed.target
	}
	vars := &lazyVars{raw: events[0], decodes: &e.eventDecodes}
	for i, c := range fn.conc {
		k := vars.key(c.key)
		if c.scope != "fn" {
			k = c.scope + ":" + k
		}
		r.Keys["c"+strconv.Itoa(i)] = k
	}
	if fn.runLimit != nil {
		r.Keys[runLimitKey] = vars.key(fn.runLimit.key)
	}
	if fn.priority != nil {
		r.Priority = flow.ClampPriority(vars.int(fn.priority))
	}
	if fn.singleton != nil {
		key := vars.key(fn.singleKey)
		r.Keys["singleton"] = key
		start, cancelID := e.singletonStartLocked(fn.singleton, key, r.ID)
		if !start {
			e.log.Debug("inngest: singleton skipped run", "fn", fn.id)
			return nil
		}
		if cancelID != "" {
			if old := e.loadRunLocked(cancelID); old != nil {
				e.cancelRunLocked(old, "cancelled by singleton: a newer run started")
			}
		}
	}
	e.historyLocked(r, "queued", "", 0, "")
	e.saveRunLocked(r)
	if fn.startTO > 0 {
		e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerStartTimeout, At: flow.StartDeadline(now, fn.startTO), RunID: r.ID})
	}
	for i, c := range fn.cancels {
		_ = e.savePauseLocked(r, enginestore.Pause{ID: r.ID + "/cancel/" + strconv.Itoa(i), Kind: enginestore.PauseCancel, RunID: r.ID, Event: c.event, If: c.cond, Expires: now.Add(c.timeout)})
	}
	startAt := now
	if fn.throttle != nil {
		key := vars.key(fn.throttleKey)
		save := e.editKeyedLocked(fn, enginestore.FlowThrottle, key)
		startAt = fn.throttle.Reserve(key, now)
		save()
	}
	if startAt.After(now) {
		e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerStart, At: startAt, RunID: r.ID, Priority: r.Priority})
	} else {
		e.newCallLocked(r, first, now)
	}
	return r
}

// startRunLocked schedules the first call of a throttled run.
func (e locked) startRunLocked(runID string, now time.Time) {
	r := e.loadRunLocked(runID)
	if r == nil || r.Status.Done() {
		return
	}
	e.newCallLocked(r, wire.DiscoveryStepID, now)
}

// cronFireLocked starts a cron run and schedules the next tick from
// max(this tick, now), so at most one overdue tick fires.
func (e locked) cronFireLocked(t enginestore.TimerItem, now time.Time) {
	fn := e.s.fns[t.FunctionID]
	if fn == nil {
		return
	}
	for _, tr := range fn.triggers {
		if tr.sched == nil || tr.cron != t.Key {
			continue
		}
		at := t.At.UTC().Truncate(time.Second)
		stamp := at.Format(time.RFC3339)
		data, _ := encodeCanonical(map[string]string{"cron": tr.cron, "fireAt": stamp, "scheduledAt": stamp})
		raw, _ := encodeCanonical(eventJSON{Data: data, ID: stamp, Name: wire.EventScheduledTimer, TS: at.UnixMilli(), User: json.RawMessage("{}")})
		_, err := e.store.SaveEvent(e.ctx, enginestore.EventRecord{ID: stamp, Name: wire.EventScheduledTimer, Raw: raw, ReceivedAt: now, Internal: true})
		e.logStoreErr("SaveEvent", err)
		e.createRunLocked(fn, []json.RawMessage{raw}, now, "", tr.cron)
		// Like the server, missed ticks are not backfilled: after a clock
		// jump (or downtime) the overdue tick fires once and the schedule
		// continues with the first tick at or after now.
		from := t.At
		if now.After(from) {
			from = now.Add(-time.Nanosecond)
		}
		t.At = tr.sched.Next(from)
		if t.At.IsZero() {
			return // the schedule never fires again
		}
		e.scheduleLocked(t)
		return
	}
}
