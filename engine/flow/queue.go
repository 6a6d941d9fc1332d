package flow

import (
	"sync"
	"time"
)

// Queue is a priority queue of pending run starts or steps. Items come out
// ordered by ready time, then by higher priority, then first in first out.
// The zero value is an empty queue ready to use.
type Queue[T any] struct {
	mu   sync.Mutex
	seq  uint64
	heap []queueItem[T]
}

type queueItem[T any] struct {
	v        T
	readyAt  time.Time
	priority int64
	seq      uint64
}

func (a *queueItem[T]) less(b *queueItem[T]) bool {
	if c := a.readyAt.Compare(b.readyAt); c != 0 {
		return c < 0
	}
	if a.priority != b.priority {
		return a.priority > b.priority
	}
	return a.seq < b.seq
}

// Push adds item, to become ready at readyAt with the given priority
// (higher first among items ready at the same time).
func (q *Queue[T]) Push(item T, readyAt time.Time, priority int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.heap = append(q.heap, queueItem[T]{v: item, readyAt: readyAt, priority: priority, seq: q.seq})
	q.up(len(q.heap) - 1)
}

// PopReady removes and returns the first item whose ready time is at or
// before now; false when no item is ready.
func (q *Queue[T]) PopReady(now time.Time) (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero T
	if len(q.heap) == 0 || q.heap[0].readyAt.After(now) {
		return zero, false
	}
	v := q.heap[0].v
	q.removeAt(0)
	return v, true
}

// NextReady returns the ready time of the first item; false when empty.
func (q *Queue[T]) NextReady() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.heap) == 0 {
		return time.Time{}, false
	}
	return q.heap[0].readyAt, true
}

// Len returns the number of queued items.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.heap)
}

// RemoveFunc removes every item for which drop returns true (for example
// the steps of a cancelled run) and returns how many it removed. drop must
// not call back into the queue.
func (q *Queue[T]) RemoveFunc(drop func(T) bool) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.heap[:0]
	for _, it := range q.heap {
		if !drop(it.v) {
			kept = append(kept, it)
		}
	}
	n := len(q.heap) - len(kept)
	clear(q.heap[len(kept):]) // release dropped values
	q.heap = kept
	for i := len(q.heap)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
	return n
}

func (q *Queue[T]) removeAt(i int) {
	last := len(q.heap) - 1
	q.heap[i] = q.heap[last]
	q.heap[last] = queueItem[T]{}
	q.heap = q.heap[:last]
	if i < last {
		q.down(i)
		q.up(i)
	}
}

func (q *Queue[T]) up(i int) {
	h := q.heap
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(&h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *Queue[T]) down(i int) {
	h := q.heap
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].less(&h[l]) {
			m = r
		}
		if !h[m].less(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
