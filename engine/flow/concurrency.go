package flow

import "sync"

// Concurrency limits how many runs (or steps) may be in progress at once
// for each key. A holder (a run ID or step job ID) occupies one slot from
// TryAcquire until Release.
type Concurrency struct {
	mu    sync.Mutex
	limit int
	keys  map[string]map[string]struct{} // emptied sets stay until a sweep, for reuse
	prune pruner
}

// NewConcurrency returns a limiter allowing limit holders per key. A
// limit of zero or less means no limit (holders are still counted).
func NewConcurrency(limit int) *Concurrency {
	return &Concurrency{limit: limit, keys: make(map[string]map[string]struct{})}
}

// Limit returns the per-key limit (zero or less for none).
func (c *Concurrency) Limit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.limit
}

// TryAcquire takes a slot for holder under key and reports whether it
// succeeded. It is idempotent: a holder that already has a slot gets true
// again without taking a second one.
func (c *Concurrency) TryAcquire(key, holder string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	set := c.keys[key]
	if _, ok := set[holder]; ok {
		return true
	}
	if c.limit > 0 && len(set) >= c.limit {
		return false
	}
	if set == nil {
		if c.prune.due(len(c.keys)) {
			c.sweepLocked()
		}
		set = make(map[string]struct{})
		c.keys[key] = set
	}
	set[holder] = struct{}{}
	return true
}

// Release frees holder's slot under key. Releasing a holder that has no
// slot does nothing.
func (c *Concurrency) Release(key, holder string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.keys[key], holder)
}

// sweepLocked drops keys with no holders.
func (c *Concurrency) sweepLocked() {
	for k, set := range c.keys {
		if len(set) == 0 {
			delete(c.keys, k)
		}
	}
	c.prune.done(len(c.keys))
}

// InUse returns how many slots are taken under key.
func (c *Concurrency) InUse(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys[key])
}
