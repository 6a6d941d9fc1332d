package engine

// heapItem is an element of an indexHeap: it orders itself against another
// element and records its position in the heap, so that heap.Remove can
// find it.
type heapItem[T any] interface {
	before(other T) bool
	setIndex(i int)
}

// indexHeap is a container/heap.Interface over elements that know their
// position: the timer queue, the calls waiting for a call slot and each
// concurrency key's parked calls. A popped element's index is -1.
type indexHeap[T heapItem[T]] []T

func (h indexHeap[T]) Len() int           { return len(h) }
func (h indexHeap[T]) Less(i, j int) bool { return h[i].before(h[j]) }
func (h indexHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setIndex(i)
	h[j].setIndex(j)
}

// Push implements heap.Interface.
func (h *indexHeap[T]) Push(x any) {
	v := x.(T)
	v.setIndex(len(*h))
	*h = append(*h, v)
}

// Pop implements heap.Interface.
func (h *indexHeap[T]) Pop() any {
	old := *h
	n := len(old)
	v := old[n-1]
	var zero T
	old[n-1] = zero
	*h = old[:n-1]
	v.setIndex(-1)
	return v
}
