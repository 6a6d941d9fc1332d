package flow

import (
	"slices"
	"time"
)

// The methods in this file export and import the state of one key, so that
// the engine can store flow-control state, restore it after a restart and
// undo a change whose transaction rolled back. A state exported by a type is
// meant only for SetKeyState (or Restore) of the same type with the same
// configuration.

// KeyState returns the state of key (its theoretical arrival time), or nil
// when the key has none.
func (r *RateLimit) KeyState(key string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tat, ok := r.tat[key]; ok {
		return []time.Time{tat}
	}
	return nil
}

// SetKeyState replaces the state of key with one returned by KeyState; an
// empty state forgets the key.
func (r *RateLimit) SetKeyState(key string, state []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(state) == 0 {
		delete(r.tat, key)
		return
	}
	r.tat[key] = state[len(state)-1]
}

// KeyState returns the state of key (its theoretical arrival time), or nil
// when the key has none.
func (t *Throttle) KeyState(key string) []time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tat, ok := t.tat[key]; ok {
		return []time.Time{tat}
	}
	return nil
}

// SetKeyState replaces the state of key with one returned by KeyState; an
// empty state forgets the key.
func (t *Throttle) SetKeyState(key string, state []time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(state) == 0 {
		delete(t.tat, key)
		return
	}
	t.tat[key] = state[len(state)-1]
}

// KeyState returns the state of key, or nil when the key was not seen.
func (i *Idempotency) KeyState(key string) []time.Time { return i.rl.KeyState(key) }

// SetKeyState replaces the state of key with one returned by KeyState; an
// empty state forgets the key.
func (i *Idempotency) SetKeyState(key string, state []time.Time) { i.rl.SetKeyState(key, state) }

// DebounceSeries is the pending series of one key: the event to start the
// run with, when the series began and when it fires.
type DebounceSeries[E any] struct {
	Key    string
	Event  E
	First  time.Time
	FireAt time.Time
}

// Series returns key's pending series, if any.
func (d *Debounce[E]) Series(key string) (DebounceSeries[E], bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.pending[key]
	if !ok {
		return DebounceSeries[E]{}, false
	}
	return DebounceSeries[E]{Key: e.key, Event: e.ev, First: e.first, FireAt: e.fireAt}, true
}

// Restore makes s the pending series of its key, replacing any; restored
// series fire, at equal times, in the order they were restored.
func (d *Debounce[E]) Restore(s DebounceSeries[E]) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Restoring a series that an Add closed (undoing that Add) takes it back
	// from the closed ones, so that it fires once.
	d.fired = slices.DeleteFunc(d.fired, func(e debounceEntry[E]) bool {
		return e.key == s.Key && e.first.Equal(s.First) && e.fireAt.Equal(s.FireAt)
	})
	d.seq++
	// A series takes events until DebounceDelay before it fires.
	d.pending[s.Key] = &debounceEntry[E]{key: s.Key, ev: s.Event, first: s.First, open: s.FireAt.Add(-DebounceDelay),
		fireAt: s.FireAt, seq: d.seq}
}

// BatchPending is the open batch of one key: its events so far and its
// deadline.
type BatchPending[E any] struct {
	Key      string
	Events   []E
	Deadline time.Time
}

// Pending returns key's open batch, if any.
func (b *Batch[E]) Pending(key string) (BatchPending[E], bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.open[key]
	if !ok {
		return BatchPending[E]{}, false
	}
	return BatchPending[E]{Key: e.key, Events: slices.Clone(e.events), Deadline: e.deadline}, true
}

// Restore makes p the open batch of its key, replacing any; restored
// batches flush, at equal deadlines, in the order they were restored.
func (b *Batch[E]) Restore(p BatchPending[E]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	b.open[p.Key] = &batchEntry[E]{key: p.Key, events: slices.Clone(p.Events), deadline: p.Deadline, seq: b.seq}
}

// Discard drops key's open batch (not one already due) and reports whether
// there was one.
func (b *Batch[E]) Discard(key string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.open[key]
	delete(b.open, key)
	return ok
}

// SetLimit changes the per-key limit; holders above a lowered limit keep
// their slots, and no new one is granted until the count is below it.
func (c *Concurrency) SetLimit(limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = limit
}

// Hold gives holder a slot under key even when the limit is reached (a
// restart restoring the runs that held slots, a rollback undoing a
// Release). Holding twice takes one slot.
func (c *Concurrency) Hold(key, holder string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	set := c.keys[key]
	if set == nil {
		set = make(map[string]struct{})
		c.keys[key] = set
	}
	set[holder] = struct{}{}
}

// Holds reports whether holder has a slot under key.
func (c *Concurrency) Holds(key, holder string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.keys[key][holder]
	return ok
}

// Restore makes runID the holder of key, or frees key when runID is "".
func (s *Singleton) Restore(key, runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if runID == "" {
		delete(s.running, key)
		return
	}
	s.running[key] = runID
}

// Holders returns the run holding each held key.
func (s *Singleton) Holders() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.running))
	for k, v := range s.running {
		out[k] = v
	}
	return out
}
