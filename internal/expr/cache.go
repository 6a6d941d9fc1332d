package expr

import (
	"container/list"
	"sync"
)

// cacheSize bounds the number of compiled expressions kept.
const cacheSize = 4096

type cacheKey struct {
	kind Kind
	src  string
}

type cacheEntry struct {
	prog *Program
	err  error
}

// lru is a small least-recently-used cache safe for concurrent use.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *lruItem
	items map[cacheKey]*list.Element
}

type lruItem struct {
	key cacheKey
	val cacheEntry
}

var programs = newLRU(cacheSize)

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *lru) get(k cacheKey) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return cacheEntry{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem).val, true
}

func (c *lru) put(k cacheKey, v cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		el.Value.(*lruItem).val = v
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruItem{key: k, val: v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruItem).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// CachedPrograms returns how many compiled expressions the process-wide cache
// holds (at most 4096).
func CachedPrograms() int { return programs.len() }
