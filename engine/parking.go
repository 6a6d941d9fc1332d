package engine

import (
	"cmp"
	"container/heap"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
)

// slotKey is one key of one concurrency limit.
type slotKey struct {
	sem *flow.Concurrency
	key string
}

// parkedCall is a due call that found its slotKey full.
type parkedCall struct {
	t   enginestore.TimerItem
	on  slotKey
	seq uint64 // parking order
	idx int    // index in its key's heap, -1 when not parked
}

// parkedHeap orders one key's parked calls: highest priority, then first
// parked.
type parkedHeap = indexHeap[*parkedCall]

func (pc *parkedCall) before(o *parkedCall) bool {
	if pc.t.Priority != o.t.Priority {
		return pc.t.Priority > o.t.Priority
	}
	return pc.seq < o.seq
}

func (pc *parkedCall) setIndex(i int) { pc.idx = i }

// parking holds the calls waiting for a concurrency slot, by the key that
// was full, so that a released slot wakes one call of its own key; every
// operation costs O(log n) in the calls parked on one key.
type parking struct {
	seq   uint64
	byKey map[slotKey]*parkedHeap
	byRun map[string]map[*parkedCall]struct{}
}

// add parks a call, after every call already parked.
func (p *parking) add(t enginestore.TimerItem, on slotKey) *parkedCall {
	p.seq++
	pc := &parkedCall{t: t, on: on, seq: p.seq}
	p.insert(pc)
	return pc
}

// insert parks pc (again: rollbacks use it to undo a removal).
func (p *parking) insert(pc *parkedCall) {
	if p.byKey == nil {
		p.byKey = map[slotKey]*parkedHeap{}
		p.byRun = map[string]map[*parkedCall]struct{}{}
	}
	h := p.byKey[pc.on]
	if h == nil {
		h = &parkedHeap{}
		p.byKey[pc.on] = h
	}
	heap.Push(h, pc)
	set := p.byRun[pc.t.RunID]
	if set == nil {
		set = map[*parkedCall]struct{}{}
		p.byRun[pc.t.RunID] = set
	}
	set[pc] = struct{}{}
}

// remove unparks pc if it is parked.
func (p *parking) remove(pc *parkedCall) {
	h := p.byKey[pc.on]
	if h == nil || pc.idx < 0 || pc.idx >= h.Len() || (*h)[pc.idx] != pc {
		return
	}
	heap.Remove(h, pc.idx)
	if h.Len() == 0 {
		delete(p.byKey, pc.on)
	}
	set := p.byRun[pc.t.RunID]
	delete(set, pc)
	if len(set) == 0 {
		delete(p.byRun, pc.t.RunID)
	}
}

// next removes and returns the call of key k to wake: the highest priority,
// then the first parked.
func (p *parking) next(k slotKey) (*parkedCall, bool) {
	h := p.byKey[k]
	if h == nil || h.Len() == 0 {
		return nil, false
	}
	pc := (*h)[0]
	p.remove(pc)
	return pc, true
}

// waiting reports whether calls are parked on k.
func (p *parking) waiting(k slotKey) bool {
	h := p.byKey[k]
	return h != nil && h.Len() > 0
}

// removeRun removes and returns every parked call of a run.
func (p *parking) removeRun(runID string) []*parkedCall {
	set := p.byRun[runID]
	if len(set) == 0 {
		return nil
	}
	out := make([]*parkedCall, 0, len(set))
	for pc := range set {
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b *parkedCall) int { return cmp.Compare(a.seq, b.seq) })
	for _, pc := range out {
		p.remove(pc)
	}
	return out
}

// parkLocked parks a call that found on full.
func (e locked) parkLocked(t enginestore.TimerItem, on slotKey) {
	pc := e.s.parked.add(t, on)
	e.onRollbackLocked(func(e locked) { e.s.parked.remove(pc) })
}

// wakeLocked queues the next call parked on k (one slot of k was freed) and
// remembers it was woken for k: if it then leaves without taking the slot
// (its run ended, it was cancelled), the next one is woken instead.
func (e locked) wakeLocked(k slotKey) {
	pc, ok := e.s.parked.next(k)
	if !ok {
		return
	}
	e.onRollbackLocked(func(e locked) { e.s.parked.insert(pc) })
	t := pc.t
	t.At = e.clock.Now()
	e.setWokenLocked(t.ID, k)
	e.enqueue(t)
	e.poke() // callers outside the scheduler loop (cancellations) must wake it
}

func (e locked) setWokenLocked(id string, k slotKey) {
	e.s.woken[id] = k
	e.onRollbackLocked(func(e locked) { delete(e.s.woken, id) })
}

// takeWokenLocked forgets that call timer id was woken and returns the key
// it was woken for.
func (e locked) takeWokenLocked(id string) (slotKey, bool) {
	k, ok := e.s.woken[id]
	if ok {
		delete(e.s.woken, id)
		e.onRollbackLocked(func(e locked) { e.s.woken[id] = k })
	}
	return k, ok
}
