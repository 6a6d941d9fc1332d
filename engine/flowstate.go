package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// This file keeps the flow-control state that decides whether an accepted
// event becomes a run (debounce and batch buffers, rate-limit, throttle and
// idempotency keys) in the enginestore.Store as FlowRecords, restores it at start, and
// undoes in-memory changes whose transaction rolled back. Singleton holders
// and run-level concurrency slots are rebuilt from the stored runs; step
// concurrency slots belong to calls in flight, which a restart makes again.

// flowPruneEvery is how many flow records the engine saves between two
// PruneFlows of expired records.
const flowPruneEvery = 1024

// fnConfigDigest identifies a function's configuration: a re-sync that does
// not change it keeps the function's whole state.
func fnConfigDigest(f wire.Function) string {
	b, _ := jsoncodec.Marshal(f)
	sum := sha256.Sum256(canonical(b))
	return hex.EncodeToString(sum[:])
}

// flowSingleton names the singleton option in fnState.flowConfig (its state
// is not stored: it is rebuilt from the runs).
const flowSingleton enginestore.FlowKind = "singleton"

// flowConfigs identifies the configuration of each flow-control option of f:
// an option's state is kept across a re-sync, and restored at start, only
// for the same digest.
func flowConfigs(f wire.Function) map[enginestore.FlowKind]string {
	opts := map[enginestore.FlowKind]any{
		enginestore.FlowRateLimit: f.RateLimit, enginestore.FlowThrottle: f.Throttle, enginestore.FlowIdempotency: f.Idempotency,
		enginestore.FlowDebounce: f.Debounce, enginestore.FlowBatch: f.BatchEvents, flowSingleton: f.Singleton,
	}
	out := make(map[enginestore.FlowKind]string, len(opts))
	for kind, v := range opts {
		b, _ := jsoncodec.Marshal(v)
		sum := sha256.Sum256(append([]byte(kind+"\x00"), canonical(b)...))
		out[kind] = hex.EncodeToString(sum[:])
	}
	return out
}

// keyedFlow is a limiter whose per-key state is a list of times.
type keyedFlow interface {
	KeyState(key string) []time.Time
	SetKeyState(key string, state []time.Time)
}

// keyed returns fn's limiter of kind and how long its state matters after
// its latest time, or nil.
func (fn *fnState) keyed(kind enginestore.FlowKind) (keyedFlow, time.Duration) {
	switch kind {
	case enginestore.FlowRateLimit:
		if fn.rateLimit != nil {
			return fn.rateLimit, fn.ratePeriod
		}
	case enginestore.FlowThrottle:
		if fn.throttle != nil {
			return fn.throttle, fn.throttlePeriod
		}
	case enginestore.FlowIdempotency:
		if fn.idem != nil {
			return fn.idem, flow.DefaultIdempotencyTTL
		}
	}
	return nil, 0
}

// editKeyedLocked is called before a keyed limiter of fn changes key: a
// rollback restores the key's current state, and the returned function
// stores the state the change left.
func (e locked) editKeyedLocked(fn *fnState, kind enginestore.FlowKind, key string) (save func()) {
	k, period := fn.keyed(kind)
	before := k.KeyState(key)
	e.onRollbackLocked(func(e locked) { k.SetKeyState(key, before) })
	return func() {
		state := k.KeyState(key)
		if len(state) == 0 {
			e.logStoreErr("DeleteFlow", e.store.DeleteFlow(e.ctx, fn.id, kind, key))
			return
		}
		data, _ := jsoncodec.Marshal(state)
		e.saveFlowLocked(enginestore.FlowRecord{FunctionID: fn.id, Kind: kind, Key: key, Config: fn.flowConfig[kind], Data: data,
			Expires: slices.MaxFunc(state, time.Time.Compare).Add(period)})
	}
}

// debounceData is a stored debounce series.
type debounceData struct {
	Event  json.RawMessage `json:"event"`
	First  time.Time       `json:"first"`
	FireAt time.Time       `json:"fire_at"`
}

// batchData is a stored open batch.
type batchData struct {
	Events   []json.RawMessage `json:"events"`
	Deadline time.Time         `json:"deadline"`
}

// editDebounceLocked is editKeyedLocked for fn's debounce series of key.
func (e locked) editDebounceLocked(fn *fnState, key string) (save func()) {
	d := fn.debounce
	before, had := d.Series(key)
	e.onRollbackLocked(func(e locked) {
		if had {
			d.Restore(before)
		} else {
			d.Cancel(key)
		}
	})
	return func() {
		s, ok := d.Series(key)
		if !ok {
			e.logStoreErr("DeleteFlow", e.store.DeleteFlow(e.ctx, fn.id, enginestore.FlowDebounce, key))
			return
		}
		data, _ := jsoncodec.Marshal(debounceData{Event: s.Event, First: s.First, FireAt: s.FireAt})
		e.saveFlowLocked(enginestore.FlowRecord{FunctionID: fn.id, Kind: enginestore.FlowDebounce, Key: key, Config: fn.flowConfig[enginestore.FlowDebounce], Data: data})
	}
}

// editBatchLocked is editKeyedLocked for fn's open batch of key.
func (e locked) editBatchLocked(fn *fnState, key string) (save func()) {
	b := fn.batch
	before, had := b.Pending(key)
	e.onRollbackLocked(func(e locked) {
		if had {
			b.Restore(before)
		} else {
			b.Discard(key)
		}
	})
	return func() {
		p, ok := b.Pending(key)
		if !ok {
			e.logStoreErr("DeleteFlow", e.store.DeleteFlow(e.ctx, fn.id, enginestore.FlowBatch, key))
			return
		}
		data, _ := jsoncodec.Marshal(batchData{Events: p.Events, Deadline: p.Deadline})
		e.saveFlowLocked(enginestore.FlowRecord{FunctionID: fn.id, Kind: enginestore.FlowBatch, Key: key, Config: fn.flowConfig[enginestore.FlowBatch], Data: data})
	}
}

// saveFlowLocked stores a flow record, pruning expired ones now and then.
func (e locked) saveFlowLocked(rec enginestore.FlowRecord) {
	if err := e.check(e.store.SaveFlow(e.ctx, rec)); err != nil {
		e.log.Error("inngest: save flow-control state", "fn", rec.FunctionID, "kind", rec.Kind, "err", err)
	}
	e.s.flowSaves++
	if e.s.flowSaves%flowPruneEvery == 0 {
		e.logStoreErr("PruneFlows", e.store.PruneFlows(e.ctx, e.clock.Now()))
	}
}

// singletonStartLocked is flow.Singleton.Start, undone on rollback.
func (e locked) singletonStartLocked(s *flow.Singleton, key, runID string) (bool, string) {
	before, _ := s.Running(key)
	e.onRollbackLocked(func(e locked) { s.Restore(key, before) })
	return s.Start(key, runID)
}

// singletonDoneLocked is flow.Singleton.Done, undone on rollback.
func (e locked) singletonDoneLocked(s *flow.Singleton, key, runID string) {
	before, _ := s.Running(key)
	e.onRollbackLocked(func(e locked) { s.Restore(key, before) })
	s.Done(key, runID)
}

// restoreFlowsLocked reloads the stored flow-control state of the synced
// functions, dropping the state of functions that are gone or whose
// configuration changed, and rebuilds singleton holders from the runs that
// are not done.
func (e locked) restoreFlowsLocked(now time.Time) error {
	recs, err := e.store.Flows(e.ctx)
	if e.check(err) != nil {
		return err
	}
	for _, rec := range recs {
		fn := e.s.fns[rec.FunctionID]
		if fn == nil || rec.Config != fn.flowConfig[rec.Kind] {
			if err := e.check(e.store.DeleteFlow(e.ctx, rec.FunctionID, rec.Kind, rec.Key)); err != nil {
				return err
			}
			continue
		}
		if !rec.Expires.IsZero() && !rec.Expires.After(now) {
			continue
		}
		switch rec.Kind {
		case enginestore.FlowRateLimit, enginestore.FlowThrottle, enginestore.FlowIdempotency:
			var state []time.Time
			if k, _ := fn.keyed(rec.Kind); k != nil && jsoncodec.Unmarshal(rec.Data, &state) == nil {
				k.SetKeyState(rec.Key, state)
			}
		case enginestore.FlowDebounce:
			var d debounceData
			if fn.debounce != nil && jsoncodec.Unmarshal(rec.Data, &d) == nil {
				fn.debounce.Restore(flow.DebounceSeries[json.RawMessage]{Key: rec.Key, Event: d.Event, First: d.First, FireAt: d.FireAt})
			}
		case enginestore.FlowBatch:
			var b batchData
			if fn.batch != nil && jsoncodec.Unmarshal(rec.Data, &b) == nil {
				fn.batch.Restore(flow.BatchPending[json.RawMessage]{Key: rec.Key, Events: b.Events, Deadline: b.Deadline})
			}
		}
	}
	if err := e.check(e.store.PruneFlows(e.ctx, now)); err != nil {
		return err
	}
	for _, fn := range e.s.fns {
		if fn.debounce != nil {
			e.rescheduleFlowLocked(fn, enginestore.TimerDebounce)
		}
		if fn.batch != nil {
			e.rescheduleFlowLocked(fn, enginestore.TimerBatch)
		}
	}
	return e.restoreRunHoldersLocked()
}

// restoreRunHoldersLocked makes each singleton function's unfinished runs
// hold their keys again (the latest run of a key holds it), and the started
// unfinished runs of a function with a run-level concurrency limit hold
// their slots.
func (e locked) restoreRunHoldersLocked() error {
	if !slices.ContainsFunc(e.fnOrderLocked(), func(fn *fnState) bool { return fn.singleton != nil || fn.runLimit != nil }) {
		return nil
	}
	runs, err := e.store.Runs(e.ctx)
	if e.check(err) != nil {
		return err
	}
	for _, r := range runs {
		e.restoreRunSlotLocked(r)
		fn := e.s.fns[r.FunctionID]
		key, ok := r.Keys["singleton"]
		if fn == nil || fn.singleton == nil || !ok || r.Status.Done() {
			continue
		}
		fn.singleton.Restore(key, r.ID)
	}
	return nil
}

// dropStaleFlowsLocked deletes the stored flow-control state of functions
// that are gone or whose configuration changed (after a sync).
func (e locked) dropStaleFlowsLocked() {
	recs, err := e.store.Flows(e.ctx)
	if e.check(err) != nil {
		e.log.Error("inngest: list flow-control state", "err", err)
		return
	}
	for _, rec := range recs {
		if fn := e.s.fns[rec.FunctionID]; fn == nil || rec.Config != fn.flowConfig[rec.Kind] {
			e.logStoreErr("DeleteFlow", e.store.DeleteFlow(e.ctx, rec.FunctionID, rec.Kind, rec.Key))
		}
	}
}
