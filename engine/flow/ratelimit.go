package flow

import (
	"errors"
	"sync"
	"time"
)

// MaxRateLimitPeriod is the longest rate-limit period the server accepts.
const MaxRateLimitPeriod = 24 * time.Hour

// RateLimit allows at most Limit run starts per key in any window of
// Period (a sliding window starting at each allowed start). Runs over the
// limit are dropped: Allow returns false and the caller skips the run.
type RateLimit struct {
	mu     sync.Mutex
	limit  int
	period time.Duration
	starts map[string][]time.Time // allowed starts still inside the window, oldest first
	prune  pruner
}

// NewRateLimit returns a rate limit of limit starts per period. A limit of
// zero or less becomes 1; a period of zero or less disables the limit
// (Allow always returns true).
func NewRateLimit(limit int, period time.Duration) *RateLimit {
	return &RateLimit{limit: max(limit, 1), period: period, starts: make(map[string][]time.Time)}
}

// NewRateLimitE is NewRateLimit with the server's validation: limit > 0
// and 0 < period ≤ 24h.
func NewRateLimitE(limit int, period time.Duration) (*RateLimit, error) {
	switch {
	case limit <= 0:
		return nil, errors.New("inngest: rateLimit limit must be greater than 0")
	case period <= 0:
		return nil, errors.New("inngest: rateLimit period is required")
	case period > MaxRateLimitPeriod:
		return nil, errors.New("inngest: rateLimit period must be at most 24h")
	}
	return NewRateLimit(limit, period), nil
}

// Allow reports whether a run for key may start at now, and if so counts
// it. A start at t stops counting at exactly t+period.
func (r *RateLimit) Allow(key string, now time.Time) bool {
	if r.period <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prune.due(len(r.starts)) {
		r.pruneLocked(now)
	}
	s := r.live(r.starts[key], now)
	if len(s) >= r.limit {
		r.starts[key] = s
		return false
	}
	r.starts[key] = append(s, now)
	return true
}

// live drops the starts that have left the window at now.
func (r *RateLimit) live(s []time.Time, now time.Time) []time.Time {
	cut := now.Add(-r.period)
	i := 0
	for i < len(s) && !s[i].After(cut) {
		i++
	}
	if i == 0 {
		return s
	}
	// Copy down so the backing array does not grow without bound.
	n := copy(s, s[i:])
	return s[:n]
}

// Prune drops keys whose every start has left the window at now. Allow
// does this by itself as the number of keys grows.
func (r *RateLimit) Prune(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked(now)
}

func (r *RateLimit) pruneLocked(now time.Time) {
	for k, s := range r.starts {
		if s = r.live(s, now); len(s) == 0 {
			delete(r.starts, k)
		} else {
			r.starts[k] = s
		}
	}
	r.prune.done(len(r.starts))
}

// Len returns the number of keys with rate-limit state.
func (r *RateLimit) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.starts)
}
