package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// syncResult is the outcome of a successful /fn/register.
type syncResult struct {
	modified bool
	syncID   string
	appID    string
}

// registerLocked validates and installs a sync body. A returned *syncError is
// a 400 for the SDK.
func (e locked) registerLocked(body []byte) (syncResult, error) {
	var req wire.RegisterRequest
	if err := jsoncodec.Unmarshal(body, &req); err != nil {
		return syncResult{}, &syncError{msg: "Invalid request: " + err.Error()}
	}
	if err := decodeCheck(&req); err != nil {
		return syncResult{}, &syncError{msg: "Invalid request: " + err.Error()}
	}
	if req.AppName == "" {
		return syncResult{}, &syncError{msg: "App ID required"}
	}
	e.noteSyncLocked(req.AppName)
	var details []string
	for _, f := range req.Functions {
		for _, msg := range validateFunction(f) {
			details = append(details, fmt.Sprintf("%s: %s", f.ID, msg))
		}
	}
	if len(details) > 0 {
		return syncResult{}, &syncError{msg: "At least one function is invalid", details: details}
	}
	fnJSON, _ := jsoncodec.Marshal(req.Functions)
	canon := canonical(fnJSON)
	sum := sha256.Sum256(append([]byte(req.URL+"\x00"), canon...))
	rec := enginestore.AppRecord{ID: appUUID(req.AppName), Name: req.AppName, URL: req.URL, Checksum: hex.EncodeToString(sum[:]), SyncID: randomUUID(), Config: body}
	old, had := e.s.apps[req.AppName]
	modified := !had || old.rec.Checksum != rec.Checksum
	if !modified {
		return syncResult{modified: false, syncID: old.rec.SyncID, appID: old.rec.ID}, nil
	}
	if _, err := e.installApp(rec, true); err != nil {
		return syncResult{}, &syncError{msg: "At least one function is invalid", details: []string{err.Error()}}
	}
	if err := e.check(e.store.SaveApp(e.ctx, rec)); err != nil {
		return syncResult{}, err
	}
	e.dropStaleFlowsLocked()
	return syncResult{modified: true, syncID: rec.SyncID, appID: rec.ID}, nil
}

// syncError is a sync rejected with 400.
type syncError struct {
	msg     string
	details []string
}

func (s *syncError) Error() string { return s.msg }

// installApp (re)builds an app's functions from its record, replacing the
// previous sync's functions. Cron timers are (re)scheduled when schedule is set.
//
// A function whose configuration did not change keeps its state: its
// flow-control state (buffers, limiters, singleton holders, concurrency
// slots) and its debounce, batch and cron timers. A changed function keeps
// the state of each flow-control option whose configuration did not change
// (see adoptFlow), its buffered events (see carryBuffersLocked), and its
// function-scoped concurrency limits keep counting the calls in flight (same
// scope and key expression), so that those calls never put it over its new
// limit.
func (e locked) installApp(rec enginestore.AppRecord, schedule bool) (*appState, error) {
	var req wire.RegisterRequest
	if err := jsoncodec.Unmarshal(rec.Config, &req); err != nil {
		return nil, err
	}
	app := &appState{rec: rec}
	for _, f := range req.Functions {
		fs, err := e.buildFunction(app, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.ID, err)
		}
		app.fns = append(app.fns, fs)
	}
	kept := map[string]bool{}
	changed := map[string]*fnState{} // the previous version of changed functions
	if old := e.s.apps[rec.Name]; old != nil {
		for i, fs := range app.fns {
			for _, o := range old.fns {
				if o.id != fs.id {
					continue
				}
				if o.config == fs.config {
					o.app = app
					app.fns[i] = o
					kept[o.id] = true
				} else {
					fs.adoptConcurrency(o)
					fs.adoptFlow(o)
					changed[fs.id] = o
				}
			}
		}
		for _, fn := range old.fns {
			if kept[fn.id] {
				continue
			}
			delete(e.s.fns, fn.id)
			e.invalidateTriggersLocked()
			for _, tr := range fn.triggers {
				if tr.sched != nil {
					e.cancelTimerLocked(cronTimerID(fn.id, tr.cron))
				}
			}
			e.cancelTimerLocked(string(enginestore.TimerDebounce) + ":" + fn.id)
			e.cancelTimerLocked(string(enginestore.TimerBatch) + ":" + fn.id)
		}
	}
	e.s.apps[rec.Name] = app
	now := e.clock.Now()
	e.invalidateTriggersLocked()
	for _, fn := range app.fns {
		e.s.fns[fn.id] = fn
		if o := changed[fn.id]; o != nil {
			e.carryBuffersLocked(o, fn, now)
		}
		if !schedule || kept[fn.id] {
			continue
		}
		for _, tr := range fn.triggers {
			if tr.sched != nil {
				e.scheduleLocked(enginestore.TimerItem{ID: cronTimerID(fn.id, tr.cron), Kind: enginestore.TimerCron, At: tr.sched.Next(now), FunctionID: fn.id, Key: tr.cron})
			}
		}
	}
	return app, nil
}

func cronTimerID(fnID, cron string) string { return "cron:" + fnID + ":" + cron }

// fnOrderLocked lists functions sorted by composite ID.
func (e locked) fnOrderLocked() []*fnState {
	out := make([]*fnState, 0, len(e.s.fns))
	for _, fn := range e.s.fns {
		out = append(out, fn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// adoptConcurrency makes fn's function-scoped concurrency limits, and its
// run-level limit, share the slot counts of old's limits with the same key
// expression, at fn's limit.
func (fn *fnState) adoptConcurrency(old *fnState) {
	if rl, ol := fn.runLimit, old.runLimit; rl != nil && ol != nil && rl.keySrc == ol.keySrc {
		// The runs in progress keep their slots, counted against the new limit.
		rl.sem = ol.sem
		rl.sem.SetLimit(rl.limit)
	}
	for i := range fn.conc {
		c := &fn.conc[i]
		if c.sem == nil {
			continue
		}
		for _, oc := range old.conc {
			if oc.sem != nil && oc.keySrc == c.keySrc {
				c.sem = oc.sem
				c.sem.SetLimit(c.limit)
				break
			}
		}
	}
}

// farFuture is after every buffered series' due time.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// carryBuffersLocked moves the debounced events and open batches of old, the
// previous version of a changed function, to fn: into fn's own buffers
// (keeping their due times) when fn still debounces or batches, else into
// runs started now, so that a re-sync never drops an accepted event. The
// runs holding old's singleton keys hold them in fn too.
func (e locked) carryBuffersLocked(old, fn *fnState, now time.Time) {
	if old.debounce != nil && old.debounce != fn.debounce {
		for _, f := range old.debounce.Due(farFuture) {
			if fn.debounce == nil {
				e.createRunLocked(fn, []json.RawMessage{f.Event}, now, "", "")
				continue
			}
			save := e.editDebounceLocked(fn, f.Key)
			fn.debounce.Restore(flow.DebounceSeries[json.RawMessage](f))
			save()
		}
	}
	if old.batch != nil && old.batch != fn.batch {
		for _, b := range old.batch.Due(farFuture) {
			if fn.batch == nil {
				e.createRunLocked(fn, b.Events, now, "", "")
				continue
			}
			save := e.editBatchLocked(fn, b.Key)
			fn.batch.Restore(flow.BatchPending[json.RawMessage]{Key: b.Key, Events: b.Events, Deadline: b.FireAt})
			save()
		}
	}
	if fn.debounce != nil {
		e.rescheduleFlowLocked(fn, enginestore.TimerDebounce)
	}
	if fn.batch != nil {
		e.rescheduleFlowLocked(fn, enginestore.TimerBatch)
	}
	if old.singleton != nil && fn.singleton != nil && old.singleton != fn.singleton {
		for key, runID := range old.singleton.Holders() {
			fn.singleton.Restore(key, runID)
		}
	}
}

// adoptFlow makes fn, a new version of old, use old's state for each
// flow-control option whose configuration is the same in both.
func (fn *fnState) adoptFlow(old *fnState) {
	same := func(kind enginestore.FlowKind) bool { return fn.flowConfig[kind] == old.flowConfig[kind] }
	if fn.rateLimit != nil && old.rateLimit != nil && same(enginestore.FlowRateLimit) {
		fn.rateLimit = old.rateLimit
	}
	if fn.throttle != nil && old.throttle != nil && same(enginestore.FlowThrottle) {
		fn.throttle = old.throttle
	}
	if fn.idem != nil && old.idem != nil && same(enginestore.FlowIdempotency) {
		fn.idem = old.idem
	}
	if fn.debounce != nil && old.debounce != nil && same(enginestore.FlowDebounce) {
		fn.debounce = old.debounce
	}
	if fn.batch != nil && old.batch != nil && same(enginestore.FlowBatch) {
		fn.batch = old.batch
	}
	if fn.singleton != nil && old.singleton != nil && same(flowSingleton) {
		fn.singleton = old.singleton
	}
}
