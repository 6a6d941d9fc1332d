package flow

import "time"

// DefaultIdempotencyTTL is how long an idempotency key blocks repeats: the
// server turns `idempotency` into a rate limit of 1 per 24h on that key.
const DefaultIdempotencyTTL = 24 * time.Hour

// Idempotency lets the first run for a key start and drops repeats for
// TTL after it. It is a RateLimit of 1 per TTL, as on the server.
type Idempotency struct{ rl *RateLimit }

// NewIdempotency returns an idempotency filter; ttl zero or less means
// DefaultIdempotencyTTL.
func NewIdempotency(ttl time.Duration) *Idempotency {
	if ttl <= 0 {
		ttl = DefaultIdempotencyTTL
	}
	return &Idempotency{rl: NewRateLimit(1, ttl)}
}

// FirstSeen reports whether key has not been seen in the last TTL, and
// records it. A run should start only when it returns true.
func (i *Idempotency) FirstSeen(key string, now time.Time) bool { return i.rl.Allow(key, now) }

// Prune forgets keys seen more than TTL before now.
func (i *Idempotency) Prune(now time.Time) { i.rl.Prune(now) }

// Len returns the number of keys remembered.
func (i *Idempotency) Len() int { return i.rl.Len() }
