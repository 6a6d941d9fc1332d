package flow

import (
	"sync"
	"time"
)

// Throttle spaces run starts per key with the server's generic cell rate
// algorithm (GCRA): starts are spread evenly at one per Period/Limit, and an
// idle key may start Limit+Burst runs at once (the server lets one request
// take the whole period's capacity), so "2 per 10 s" starts 2 of 6 events at
// once, then one every 5 s. Runs over the limit are delayed, not dropped:
// Reserve says when each may start.
type Throttle struct {
	mu       sync.Mutex
	emission time.Duration // time between starts at the steady rate
	tau      time.Duration // tolerance: (limit - 1 + burst) × emission
	tat      map[string]time.Time
	prune    pruner
}

// NewThrottle returns a throttle of limit starts per period plus burst
// extra. A limit of zero or less becomes 1 (as the server does) and a
// negative burst becomes 0. A period of zero or less disables throttling:
// Reserve always returns now.
func NewThrottle(limit int, period time.Duration, burst int) *Throttle {
	limit = max(limit, 1)
	burst = max(burst, 0)
	t := &Throttle{tat: make(map[string]time.Time)}
	if period > 0 {
		t.emission = max(period/time.Duration(limit), 1)
		t.tau = t.emission * time.Duration(limit-1+burst)
	}
	return t
}

// Reserve books the next start slot for key and returns when that run may
// start: now when the key has capacity, a later time otherwise. Each call
// reserves a slot, so call it once per run.
func (t *Throttle) Reserve(key string, now time.Time) (startAt time.Time) {
	if t.emission == 0 {
		return now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prune.due(len(t.tat)) {
		t.pruneLocked(now)
	}
	tat := now
	if prev, ok := t.tat[key]; ok && prev.After(now) {
		tat = prev
	}
	startAt = tat.Add(-t.tau)
	if startAt.Before(now) {
		startAt = now
	}
	t.tat[key] = tat.Add(t.emission)
	return startAt
}

// Prune drops the state of keys that are idle at now. Reserve does this by
// itself as the number of keys grows; call Prune to do it eagerly.
func (t *Throttle) Prune(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(now)
}

func (t *Throttle) pruneLocked(now time.Time) {
	for k, tat := range t.tat {
		if !tat.After(now) {
			delete(t.tat, k)
		}
	}
	t.prune.done(len(t.tat))
}

// Len returns the number of keys with throttle state.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.tat)
}
