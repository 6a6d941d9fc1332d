package flow

import (
	"math"
	"sync"
	"time"
)

// RateLimit drops run starts over Limit per Period per key with the server's
// GCRA limiter: starts are spaced at one per emission interval (Period/Limit),
// and an idle key may take 1+Burst starts at once, where Burst is Limit/10
// (integer division), so 10 events at once against "10 per minute" start 2
// runs, and the next is allowed once one emission interval (6 s) has passed.
// Runs over the limit are dropped: Allow returns false and the caller skips
// the run.
type RateLimit struct {
	mu       sync.Mutex
	emission float64 // nanoseconds between starts at the steady rate
	burst    int
	period   time.Duration
	tat      map[string]time.Time // theoretical arrival time of the next start
	prune    pruner
}

// NewRateLimit returns a rate limit of limit starts per period. A limit of
// zero or less becomes 1; a period of zero or less disables the limit
// (Allow always returns true).
func NewRateLimit(limit int, period time.Duration) *RateLimit {
	limit = max(limit, 1)
	return &RateLimit{emission: float64(period) / float64(limit), burst: limit / 10, period: period,
		tat: make(map[string]time.Time)}
}

// Allow reports whether a run for key may start at now, and if so counts
// it. As on the server, a start is allowed while the key's theoretical
// arrival time is at most Burst emission intervals ahead of now, and each
// allowed start moves it one interval further (from now, if it lay in the
// past).
func (r *RateLimit) Allow(key string, now time.Time) bool {
	if r.period <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prune.due(len(r.tat)) {
		r.pruneLocked(now)
	}
	tat, ok := r.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	// The server's capacity: floor((dvt - ttl) / emission) with
	// dvt = (burst+1) × emission and ttl = tat - now, in float nanoseconds.
	ttl := float64(tat.Sub(now))
	if math.Floor((float64(r.burst+1)*r.emission-ttl)/r.emission) < 1 {
		return false
	}
	r.tat[key] = tat.Add(time.Duration(r.emission))
	return true
}

// Prune drops keys whose state has expired at now (their theoretical
// arrival time has passed). Allow does this by itself as the number of keys
// grows.
func (r *RateLimit) Prune(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(now)
}

func (r *RateLimit) pruneLocked(now time.Time) {
	for k, tat := range r.tat {
		if !tat.After(now) {
			delete(r.tat, k)
		}
	}
	r.prune.done(len(r.tat))
}

// Len returns the number of keys with rate-limit state.
func (r *RateLimit) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tat)
}
