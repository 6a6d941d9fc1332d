// Package memstore is the in-memory enginestore.Store, the engine's default
// store: everything is lost when the process ends. It implements every
// optional interface of the contract (TxStore excepted: each write is
// applied at once) and runs the conformance suite of
// engine/enginestore/storetest.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// Store is the in-memory enginestore.Store. Its zero value is not usable; call
// New.
type Store struct {
	mu       sync.Mutex
	apps     map[string]enginestore.AppRecord
	appOrder []string
	events   map[string]enginestore.EventRecord
	runs     map[string]*enginestore.RunRecord
	runOrder []string
	// runSeq[i] is the creation number of runOrder[i] (increasing; the
	// position ListRuns cursors name), runN the last one given.
	runSeq []uint64
	runN   uint64
	// byParent lists the creation numbers of the runs each run invoked.
	byParent map[string][]uint64
	byEvent  map[string][]string
	pauses   map[string]enginestore.Pause
	// pausesByEvent and pausesByRun index pauses' IDs by Event and RunID.
	pausesByEvent, pausesByRun map[string]map[string]struct{}
	timers                     map[string]enginestore.TimerItem
	flows                      map[flowID]enginestore.FlowRecord
	flowSeq                    map[flowID]uint64
	seq                        uint64
	// checkAliasing makes the store remember an encoding of each run it
	// stores (in prints) and panic when a stored run has changed by the
	// time it is read or replaced. The store keeps the runs the engine
	// gives it and shares parts of them with the runs the engine loads
	// (shareClone); the engine's tests set it to prove that the engine never
	// modifies either (NewChecked). Off otherwise.
	checkAliasing bool
	prints        map[string]string
}

// flowID identifies a enginestore.FlowRecord.
type flowID struct {
	fn   string
	kind enginestore.FlowKind
	key  string
}

// New returns an empty in-memory store.
func New() *Store {
	return &Store{
		apps:          map[string]enginestore.AppRecord{},
		events:        map[string]enginestore.EventRecord{},
		runs:          map[string]*enginestore.RunRecord{},
		byEvent:       map[string][]string{},
		byParent:      map[string][]uint64{},
		pauses:        map[string]enginestore.Pause{},
		pausesByEvent: map[string]map[string]struct{}{},
		pausesByRun:   map[string]map[string]struct{}{},
		timers:        map[string]enginestore.TimerItem{},
		flows:         map[flowID]enginestore.FlowRecord{},
		flowSeq:       map[flowID]uint64{},
	}
}

// NewChecked returns an empty store that checks the promises of
// enginestore.RunSharer: it panics when a run it keeps was modified after it
// was saved or while it was shared with the engine. The check encodes the
// whole run on every read and save, so a run of hundreds of steps costs time
// quadratic in its steps; it is meant for an engine's tests (the engine's own
// use it wherever they need no other store).
func NewChecked() *Store {
	m := New()
	m.checkAliasing = true
	return m
}

var (
	_ enginestore.Store       = (*Store)(nil)
	_ enginestore.RunSharer   = (*Store)(nil)
	_ enginestore.Pruner      = (*Store)(nil)
	_ enginestore.EventLister = (*Store)(nil)
)

// SaveApp implements enginestore.Store.
func (m *Store) SaveApp(_ context.Context, app enginestore.AppRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[app.Name]; !ok {
		m.appOrder = append(m.appOrder, app.Name)
	}
	m.apps[app.Name] = app
	return nil
}

// Apps implements enginestore.Store.
func (m *Store) Apps(context.Context) ([]enginestore.AppRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]enginestore.AppRecord, 0, len(m.appOrder))
	for _, n := range m.appOrder {
		out = append(out, m.apps[n])
	}
	return out, nil
}

// SaveEvent implements enginestore.Store.
func (m *Store) SaveEvent(_ context.Context, ev enginestore.EventRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.events[ev.ID]; ok {
		return false, nil
	}
	m.events[ev.ID] = ev
	return true, nil
}

// Event implements enginestore.Store.
func (m *Store) Event(_ context.Context, id string) (enginestore.EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev, ok := m.events[id]
	if !ok {
		return enginestore.EventRecord{}, enginestore.ErrNotFound
	}
	return ev, nil
}

// SaveRun implements enginestore.Store.
func (m *Store) SaveRun(_ context.Context, run *enginestore.RunRecord) error {
	m.saveRun(cloneRun(run))
	return nil
}

// KeepRun implements enginestore.RunSharer: the store keeps run itself, not
// a copy (a store made by NewChecked checks that it is not modified).
func (m *Store) KeepRun(_ context.Context, run *enginestore.RunRecord) error {
	m.saveRun(run)
	return nil
}

// saveRun stores run, which nobody modifies afterwards.
func (m *Store) saveRun(run *enginestore.RunRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.runs[run.ID]; !ok {
		m.runOrder = append(m.runOrder, run.ID)
		m.runN++
		m.runSeq = append(m.runSeq, m.runN)
		if run.ParentRunID != "" {
			m.byParent[run.ParentRunID] = append(m.byParent[run.ParentRunID], m.runN)
		}
		for _, id := range run.EventIDs {
			m.byEvent[id] = append(m.byEvent[id], run.ID)
		}
	} else {
		m.checkUnchanged(old)
	}
	m.runs[run.ID] = run
	m.remember(run)
}

// Run implements enginestore.Store.
func (m *Store) Run(_ context.Context, id string) (*enginestore.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return nil, enginestore.ErrNotFound
	}
	m.checkUnchanged(r)
	return cloneRun(r), nil
}

// SharedRun implements enginestore.RunSharer: a copy sharing, with the
// stored run, the parts the engine only ever appends to (see shareClone).
func (m *Store) SharedRun(_ context.Context, id string) (*enginestore.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return nil, enginestore.ErrNotFound
	}
	m.checkUnchanged(r)
	return shareClone(r), nil
}

// Runs implements enginestore.Store.
func (m *Store) Runs(context.Context) ([]*enginestore.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*enginestore.RunRecord, 0, len(m.runOrder))
	for _, id := range m.runOrder {
		m.checkUnchanged(m.runs[id])
		out = append(out, cloneRun(m.runs[id]))
	}
	return out, nil
}

// RunsForEvent implements enginestore.Store.
func (m *Store) RunsForEvent(_ context.Context, eventID string) ([]*enginestore.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.byEvent[eventID]
	out := make([]*enginestore.RunRecord, 0, len(ids))
	for _, id := range ids {
		m.checkUnchanged(m.runs[id])
		out = append(out, cloneRun(m.runs[id]))
	}
	return out, nil
}

// SavePause implements enginestore.Store.
func (m *Store) SavePause(_ context.Context, p enginestore.Pause) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.pauses[p.ID]; ok {
		m.unindexPause(old)
	}
	m.pauses[p.ID] = p
	indexAdd(m.pausesByEvent, p.Event, p.ID)
	indexAdd(m.pausesByRun, p.RunID, p.ID)
	return nil
}

// DeletePause implements enginestore.Store.
func (m *Store) DeletePause(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pauses[id]
	if ok {
		m.unindexPause(p)
	}
	delete(m.pauses, id)
	return ok, nil
}

// unindexPause removes p from pausesByEvent; m.mu is held.
func (m *Store) unindexPause(p enginestore.Pause) {
	indexRemove(m.pausesByEvent, p.Event, p.ID)
	indexRemove(m.pausesByRun, p.RunID, p.ID)
}

func indexAdd(idx map[string]map[string]struct{}, key, id string) {
	set := idx[key]
	if set == nil {
		set = map[string]struct{}{}
		idx[key] = set
	}
	set[id] = struct{}{}
}

func indexRemove(idx map[string]map[string]struct{}, key, id string) {
	set := idx[key]
	delete(set, id)
	if len(set) == 0 {
		delete(idx, key)
	}
}

// PausesForEvent implements enginestore.Store.
// It reads only the pauses waiting on name (an index by event name).
func (m *Store) PausesForEvent(_ context.Context, name string) ([]enginestore.Pause, error) {
	return m.indexedPauses(m.pausesByEvent, name), nil
}

// PausesForRun implements enginestore.Store (an index by run ID).
func (m *Store) PausesForRun(_ context.Context, runID string) ([]enginestore.Pause, error) {
	return m.indexedPauses(m.pausesByRun, runID), nil
}

// indexedPauses lists the pauses under key in idx, sorted by ID (nil when
// there are none).
func (m *Store) indexedPauses(idx map[string]map[string]struct{}, key string) []enginestore.Pause {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := idx[key]
	if len(set) == 0 {
		return nil
	}
	out := make([]enginestore.Pause, 0, len(set))
	for id := range set {
		out = append(out, m.pauses[id])
	}
	slices.SortFunc(out, func(a, b enginestore.Pause) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SaveTimer implements enginestore.Store.
func (m *Store) SaveTimer(_ context.Context, t enginestore.TimerItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timers[t.ID] = t
	return nil
}

// DeleteTimer implements enginestore.Store.
func (m *Store) DeleteTimer(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.timers, id)
	return nil
}

// Timers implements enginestore.Store.
func (m *Store) Timers(context.Context) ([]enginestore.TimerItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]enginestore.TimerItem, 0, len(m.timers))
	for _, t := range m.timers {
		out = append(out, t)
	}
	return out, nil
}

// SaveFlow implements enginestore.Store.
func (m *Store) SaveFlow(_ context.Context, f enginestore.FlowRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := flowID{f.FunctionID, f.Kind, f.Key}
	if _, ok := m.flowSeq[id]; !ok {
		m.seq++
		m.flowSeq[id] = m.seq
	}
	f.Data = slices.Clone(f.Data)
	m.flows[id] = f
	return nil
}

// DeleteFlow implements enginestore.Store.
func (m *Store) DeleteFlow(_ context.Context, functionID string, kind enginestore.FlowKind, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := flowID{functionID, kind, key}
	delete(m.flows, id)
	delete(m.flowSeq, id)
	return nil
}

// Flows implements enginestore.Store.
func (m *Store) Flows(context.Context) ([]enginestore.FlowRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]flowID, 0, len(m.flows))
	for id := range m.flows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b flowID) int { return cmp.Compare(m.flowSeq[a], m.flowSeq[b]) })
	out := make([]enginestore.FlowRecord, len(ids))
	for i, id := range ids {
		out[i] = m.flows[id]
		out[i].Data = slices.Clone(out[i].Data)
	}
	return out, nil
}

// PruneFlows implements enginestore.Store.
func (m *Store) PruneFlows(_ context.Context, before time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, f := range m.flows {
		if !f.Expires.IsZero() && !f.Expires.After(before) {
			delete(m.flows, id)
			delete(m.flowSeq, id)
		}
	}
	return nil
}

// shareClone returns a copy of the run for the engine, which edits Steps and
// Waits in place (copied here) but only ever appends to EventIDs, Events,
// History and Memo, sets Keys only on a run it creates, and replaces Error
// rather than editing it: those are shared with r, the slices clipped to
// their length so that an append copies them instead of writing into r's
// backing array. The engine's tests check that no stored run changes
// (checkAliasing).
func shareClone(r *enginestore.RunRecord) *enginestore.RunRecord {
	c := *r
	c.EventIDs = slices.Clip(r.EventIDs)
	c.Events = slices.Clip(r.Events)
	c.History = slices.Clip(r.History)
	c.Memo = slices.Clip(r.Memo)
	c.Steps = slices.Clone(r.Steps)
	c.Waits = slices.Clone(r.Waits)
	return &c
}

// clone returns a deep copy of the run's mutable parts (raw JSON values are
// never modified in place, so they are shared).
func cloneRun(r *enginestore.RunRecord) *enginestore.RunRecord {
	c := *r
	c.Run = r.Run.Clone()
	c.Memo = slices.Clone(r.Memo)
	c.StepInputs = slices.Clone(r.StepInputs)
	if r.Keys != nil {
		c.Keys = make(map[string]string, len(r.Keys))
		for k, v := range r.Keys {
			c.Keys[k] = v
		}
	}
	return &c
}
