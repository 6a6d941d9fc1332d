package engine

import (
	"cmp"
	"context"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is the in-memory Store. Its zero value is not usable; call
// NewMemoryStore.
type MemoryStore struct {
	mu       sync.Mutex
	apps     map[string]AppRecord
	appOrder []string
	events   map[string]EventRecord
	runs     map[string]*RunState
	runOrder []string
	byEvent  map[string][]string
	pauses   map[string]Pause
	// pausesByEvent and pausesByRun index pauses' IDs by Event and RunID.
	pausesByEvent, pausesByRun map[string]map[string]struct{}
	timers                     map[string]TimerItem
	flows                      map[flowID]FlowRecord
	flowSeq                    map[flowID]uint64
	seq                        uint64
	// checkAliasing makes the store remember an encoding of each run it
	// stores (in prints) and panic when a stored run has changed by the
	// time it is read or replaced. The store keeps the runs the engine
	// gives it and shares parts of them with the runs the engine loads
	// (shareClone); the engine's tests set it to prove that the engine never
	// modifies either (NewCheckedMemoryStoreForTest). Off otherwise.
	checkAliasing bool
	prints        map[string]string
}

// flowID identifies a FlowRecord.
type flowID struct {
	fn   string
	kind FlowKind
	key  string
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		apps:          map[string]AppRecord{},
		events:        map[string]EventRecord{},
		runs:          map[string]*RunState{},
		byEvent:       map[string][]string{},
		pauses:        map[string]Pause{},
		pausesByEvent: map[string]map[string]struct{}{},
		pausesByRun:   map[string]map[string]struct{}{},
		timers:        map[string]TimerItem{},
		flows:         map[flowID]FlowRecord{},
		flowSeq:       map[flowID]uint64{},
	}
}

var (
	_ Store     = (*MemoryStore)(nil)
	_ runSharer = (*MemoryStore)(nil)
)

// SaveApp implements Store.
func (m *MemoryStore) SaveApp(_ context.Context, app AppRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[app.Name]; !ok {
		m.appOrder = append(m.appOrder, app.Name)
	}
	m.apps[app.Name] = app
	return nil
}

// Apps implements Store.
func (m *MemoryStore) Apps(context.Context) ([]AppRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]AppRecord, 0, len(m.appOrder))
	for _, n := range m.appOrder {
		out = append(out, m.apps[n])
	}
	return out, nil
}

// SaveEvent implements Store.
func (m *MemoryStore) SaveEvent(_ context.Context, ev EventRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.events[ev.ID]; ok {
		return false, nil
	}
	m.events[ev.ID] = ev
	return true, nil
}

// Event implements Store.
func (m *MemoryStore) Event(_ context.Context, id string) (EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev, ok := m.events[id]
	if !ok {
		return EventRecord{}, ErrNotFound
	}
	return ev, nil
}

// SaveRun implements Store.
func (m *MemoryStore) SaveRun(_ context.Context, run *RunState) error {
	m.saveRun(run.clone())
	return nil
}

// keepRun is SaveRun for the engine, which never modifies a run it saved:
// the store keeps run itself, not a copy (the engine's tests check this, see
// checkAliasing). It implements runSharer.
func (m *MemoryStore) keepRun(run *RunState) error {
	m.saveRun(run)
	return nil
}

// saveRun stores run, which nobody modifies afterwards.
func (m *MemoryStore) saveRun(run *RunState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.runs[run.ID]; !ok {
		m.runOrder = append(m.runOrder, run.ID)
		for _, id := range run.EventIDs {
			m.byEvent[id] = append(m.byEvent[id], run.ID)
		}
	} else {
		m.checkUnchanged(old)
	}
	m.runs[run.ID] = run
	m.remember(run)
}

// Run implements Store.
func (m *MemoryStore) Run(_ context.Context, id string) (*RunState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return nil, ErrNotFound
	}
	m.checkUnchanged(r)
	return r.clone(), nil
}

// sharedRun is Run for the engine's own loads: a copy sharing, with the
// stored run, the parts the engine only ever appends to (see
// RunState.shareClone). It implements runSharer.
func (m *MemoryStore) sharedRun(id string) (*RunState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return nil, ErrNotFound
	}
	m.checkUnchanged(r)
	return r.shareClone(), nil
}

// Runs implements Store.
func (m *MemoryStore) Runs(context.Context) ([]*RunState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*RunState, 0, len(m.runOrder))
	for _, id := range m.runOrder {
		m.checkUnchanged(m.runs[id])
		out = append(out, m.runs[id].clone())
	}
	return out, nil
}

// RunsForEvent implements Store.
func (m *MemoryStore) RunsForEvent(_ context.Context, eventID string) ([]*RunState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.byEvent[eventID]
	out := make([]*RunState, 0, len(ids))
	for _, id := range ids {
		m.checkUnchanged(m.runs[id])
		out = append(out, m.runs[id].clone())
	}
	return out, nil
}

// SavePause implements Store.
func (m *MemoryStore) SavePause(_ context.Context, p Pause) error {
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

// DeletePause implements Store.
func (m *MemoryStore) DeletePause(_ context.Context, id string) (bool, error) {
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
func (m *MemoryStore) unindexPause(p Pause) {
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

// PausesForEvent implements Store.
// It reads only the pauses waiting on name (an index by event name).
func (m *MemoryStore) PausesForEvent(_ context.Context, name string) ([]Pause, error) {
	return m.indexedPauses(m.pausesByEvent, name), nil
}

// PausesForRun implements Store (an index by run ID).
func (m *MemoryStore) PausesForRun(_ context.Context, runID string) ([]Pause, error) {
	return m.indexedPauses(m.pausesByRun, runID), nil
}

// indexedPauses lists the pauses under key in idx, sorted by ID (nil when
// there are none).
func (m *MemoryStore) indexedPauses(idx map[string]map[string]struct{}, key string) []Pause {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := idx[key]
	if len(set) == 0 {
		return nil
	}
	out := make([]Pause, 0, len(set))
	for id := range set {
		out = append(out, m.pauses[id])
	}
	slices.SortFunc(out, func(a, b Pause) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SaveTimer implements Store.
func (m *MemoryStore) SaveTimer(_ context.Context, t TimerItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timers[t.ID] = t
	return nil
}

// DeleteTimer implements Store.
func (m *MemoryStore) DeleteTimer(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.timers, id)
	return nil
}

// Timers implements Store.
func (m *MemoryStore) Timers(context.Context) ([]TimerItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]TimerItem, 0, len(m.timers))
	for _, t := range m.timers {
		out = append(out, t)
	}
	return out, nil
}

// SaveFlow implements Store.
func (m *MemoryStore) SaveFlow(_ context.Context, f FlowRecord) error {
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

// DeleteFlow implements Store.
func (m *MemoryStore) DeleteFlow(_ context.Context, functionID string, kind FlowKind, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := flowID{functionID, kind, key}
	delete(m.flows, id)
	delete(m.flowSeq, id)
	return nil
}

// Flows implements Store.
func (m *MemoryStore) Flows(context.Context) ([]FlowRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]flowID, 0, len(m.flows))
	for id := range m.flows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b flowID) int { return cmp.Compare(m.flowSeq[a], m.flowSeq[b]) })
	out := make([]FlowRecord, len(ids))
	for i, id := range ids {
		out[i] = m.flows[id]
		out[i].Data = slices.Clone(out[i].Data)
	}
	return out, nil
}

// PruneFlows implements Store.
func (m *MemoryStore) PruneFlows(_ context.Context, before time.Time) error {
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
func (r *RunState) shareClone() *RunState {
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
func (r *RunState) clone() *RunState {
	c := *r
	c.Run = r.snapshot()
	c.Memo = slices.Clone(r.Memo)
	if r.Keys != nil {
		c.Keys = make(map[string]string, len(r.Keys))
		for k, v := range r.Keys {
			c.Keys[k] = v
		}
	}
	return &c
}

// snapshot returns the run as the engine's API hands it out: a copy sharing
// nothing the engine or its store might hold (but raw JSON values).
func (r *RunState) snapshot() runtype.Run {
	c := r.Run
	c.EventIDs = slices.Clone(r.EventIDs)
	c.Events = slices.Clone(r.Events)
	c.Steps = slices.Clone(r.Steps)
	for i := range c.Steps {
		s := &c.Steps[i]
		s.Error, s.LastError = cloneStepError(s.Error), cloneStepError(s.LastError)
	}
	c.History = slices.Clone(r.History)
	c.Waits = slices.Clone(r.Waits)
	if r.Error != nil {
		e := *r.Error
		c.Error = &e
	}
	return c
}

// cloneStepError copies a step's error (nil stays nil).
func cloneStepError(e *runtype.StepError) *runtype.StepError {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}
