package flow

import (
	"sync"
	"time"
)

// DefaultBatchMaxSize is the size of a batch when none is given, as the
// server defaults it.
const DefaultBatchMaxSize = 100

// Batch collects events per key into batches of at most MaxSize. A batch
// is flushed as soon as it is full, or Timeout after its first event.
// Events keep the order in which they were added.
type Batch[E any] struct {
	mu      sync.Mutex
	maxSize int
	timeout time.Duration
	seq     uint64
	open    map[string]*batchEntry[E]
	expired []batchEntry[E] // overdue batches displaced by a newer one
}

type batchEntry[E any] struct {
	key      string
	events   []E
	deadline time.Time
	seq      uint64
}

func (e *batchEntry[E]) at() (time.Time, uint64) { return e.deadline, e.seq }

// BatchFire is a batch that is due: start one run with Events.
type BatchFire[E any] struct {
	Key    string
	Events []E
	FireAt time.Time // the batch's deadline (first event + timeout)
}

// NewBatch returns a batcher. A maxSize of zero or less means
// DefaultBatchMaxSize; a timeout of zero or less makes every batch due
// immediately. It does not validate further (engine/validate.go does, at registration).
func NewBatch[E any](maxSize int, timeout time.Duration) *Batch[E] {
	if maxSize <= 0 {
		maxSize = DefaultBatchMaxSize
	}
	return &Batch[E]{maxSize: maxSize, timeout: max(timeout, 0), open: make(map[string]*batchEntry[E])}
}

// Add appends ev to key's open batch at now. When that fills the batch it
// is closed and returned (non-nil); otherwise Add returns nil and the batch
// waits for more events or its timeout. If key's open batch was already
// past its deadline, it is kept for Due and ev starts a new batch.
func (b *Batch[E]) Add(key string, ev E, now time.Time) (full []E) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.open[key]
	if ok && !e.deadline.After(now) {
		b.expired = append(b.expired, *e)
		ok = false
	}
	if !ok {
		b.seq++
		e = &batchEntry[E]{key: key, deadline: now.Add(b.timeout), seq: b.seq}
		b.open[key] = e
	}
	e.events = append(e.events, ev)
	if len(e.events) >= b.maxSize {
		delete(b.open, key)
		return e.events
	}
	return nil
}

// Due removes and returns the batches whose deadline is at or before now,
// ordered by deadline (ties in the order the batches were opened).
func (b *Batch[E]) Due(now time.Time) []BatchFire[E] {
	b.mu.Lock()
	defer b.mu.Unlock()
	due := takeDue(b.open, b.expired, now, (*batchEntry[E]).at)
	b.expired = nil
	if len(due) == 0 {
		return nil
	}
	out := make([]BatchFire[E], len(due))
	for i, e := range due {
		out[i] = BatchFire[E]{Key: e.key, Events: e.events, FireAt: e.deadline}
	}
	return out
}

// NextDue returns the earliest deadline among open batches, or false when
// there are none.
func (b *Batch[E]) NextDue() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return earliest(b.open, b.expired, (*batchEntry[E]).at)
}

// Len returns the number of batches not yet flushed.
func (b *Batch[E]) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.open) + len(b.expired)
}
