package sqlitestore

import "sync"

// Bounds of the run cache: past either, entries are dropped (finished runs
// first), and the run is read from the database the next time.
const (
	// maxCachedRuns bounds the runs the cache holds.
	maxCachedRuns = 1024
	// maxCachedBytes bounds the bytes of the runs it holds (as encoded).
	maxCachedBytes = 32 << 20
)

// runCache remembers, for the runs this Store saved, what their rows hold
// (the header and the run_items rows), so that SaveRun writes only what
// changed without reading the rows back, and Run decodes the run without a
// query. It only ever holds what a committed transaction
// wrote; a run it does not know is compared against the rows in the
// database, which is always correct, just slower.
//
// A transaction that saves a run takes the run's entry out of the cache and
// leaves its own mark (its *pending) in the slot; when it commits it puts
// its new entry back only if its mark is still there. Transactions run one
// at a time on the single writing connection, so a later transaction that
// saves the same run before the earlier one put its entry back finds the
// earlier one's mark, reads the rows (which it sees committed) and replaces
// the mark with its own: the earlier transaction then drops its entry, which
// is older. A rolled-back transaction removes its mark.
type runCache struct {
	mu    sync.Mutex
	slots map[string]cacheSlot
	// bytes is the size of the committed entries (storedItems.size).
	bytes int
}

// cacheSlot is a cache entry: either a committed entry (owner nil) or the
// mark of the transaction that took it (items nil).
type cacheSlot struct {
	owner *pending
	items *storedItems
}

func newRunCache() *runCache { return &runCache{slots: map[string]cacheSlot{}} }

// pending is one write transaction's view of the runs it saved: their items
// as written in the transaction (nil when unknown: the rows must be read).
type pending struct {
	c    *runCache
	runs map[string]*storedItems
}

// begin starts the cache view of a write transaction. It is nil for a
// store without a cache (read-only).
func (c *runCache) begin() *pending {
	if c == nil {
		return nil
	}
	return &pending{c: c}
}

// committed calls fn with the run's committed entry, if the cache has one
// that no transaction took, while no transaction can take it.
func (c *runCache) committed(runID string, fn func(*storedItems)) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if slot, ok := c.slots[runID]; ok && slot.owner == nil && slot.items != nil {
		fn(slot.items)
	}
}

// items returns what the run's rows hold as of this transaction, or nil when
// unknown; it takes the run's cache entry for this transaction.
func (p *pending) items(runID string) *storedItems {
	if p == nil {
		return nil
	}
	if it, ok := p.runs[runID]; ok {
		return it
	}
	if p.runs == nil {
		p.runs = map[string]*storedItems{}
	}
	p.runs[runID] = nil
	p.c.mu.Lock()
	slot := p.c.slots[runID]
	p.c.slots[runID] = cacheSlot{owner: p}
	if slot.items != nil {
		p.c.bytes -= slot.items.size
	}
	p.c.mu.Unlock()
	if slot.owner != nil {
		return nil
	}
	return slot.items
}

// set records what the run's rows hold after a write of this transaction
// (nil: unknown, e.g. after a failed statement). The run must have been
// looked up with items first.
func (p *pending) set(runID string, it *storedItems) {
	if p == nil {
		return
	}
	if p.runs == nil {
		p.runs = map[string]*storedItems{}
	}
	p.runs[runID] = it
}

// forget drops the entries of runs whose rows were deleted (pruned), from
// the cache and from this transaction, with any transaction's mark (whose
// entry is then not put back).
func (p *pending) forget(ids []string) {
	if p == nil {
		return
	}
	for _, id := range ids {
		if _, ok := p.runs[id]; ok {
			p.runs[id] = nil
		}
	}
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	for _, id := range ids {
		if slot, ok := p.c.slots[id]; ok {
			if slot.items != nil {
				p.c.bytes -= slot.items.size
			}
			delete(p.c.slots, id)
		}
	}
}

// finish ends the transaction: when it committed, its entries replace its
// marks; when it did not, its marks are removed.
func (p *pending) finish(committed bool) {
	if p == nil || len(p.runs) == 0 {
		return
	}
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, it := range p.runs {
		if c.slots[id].owner != p {
			continue
		}
		if committed && it != nil {
			c.slots[id] = cacheSlot{items: it}
			c.bytes += it.size
		} else {
			delete(c.slots, id)
		}
	}
	c.evict()
}

// evict drops entries while the cache is over its bounds: finished runs
// first (they are read, seldom saved again), then any.
func (c *runCache) evict() {
	over := func() bool { return len(c.slots) > maxCachedRuns || c.bytes > maxCachedBytes }
	for _, doneOnly := range []bool{true, false} {
		if !over() {
			return
		}
		for id, slot := range c.slots {
			if slot.items == nil || (doneOnly && !slot.items.done) {
				continue
			}
			delete(c.slots, id)
			c.bytes -= slot.items.size
			if !over() {
				return
			}
		}
	}
}
