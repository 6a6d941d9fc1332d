package expr

import (
	"container/list"
	"sync"
)

// DefaultCacheSize is the number of programs a Cache keeps when NewCache is
// given no size.
const DefaultCacheSize = 4096

// Cache keeps compiled programs, and compile failures, by kind and source in
// a bounded least-recently-used cache, so that compiling on every evaluation
// is cheap and wait expressions with pasted values, each distinct, do not grow
// memory without bound. It is safe for concurrent use. Each owner (an engine)
// has its own: nothing is kept process-wide.
type Cache struct{ lru *lru }

// NewCache returns a Cache of at most size programs; size <= 0 means
// DefaultCacheSize.
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{lru: newLRU(size)}
}

// Compile is the package's Compile, answered from the cache when it can be.
func (c *Cache) Compile(kind Kind, src string) (*Program, error) {
	if !kind.valid() || len(src) > MaxSourceLen {
		// Not cached: there is no point keeping huge keys around.
		return Compile(kind, src)
	}
	k := cacheKey{kind: kind, src: src}
	if e, ok := c.lru.get(k); ok {
		return e.prog, e.err
	}
	p, err := Compile(kind, src)
	c.lru.put(k, cacheEntry{prog: p, err: err})
	return p, err
}

// Len returns how many programs the cache holds.
func (c *Cache) Len() int { return c.lru.len() }

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
