package flow

// MaxPriority bounds the value of `priority.run` (in seconds) as the
// server clamps it: results are limited to ±MaxPriority.
const MaxPriority int64 = 43200

// ClampPriority limits p to [-MaxPriority, MaxPriority].
func ClampPriority(p int64) int64 { return min(max(p, -MaxPriority), MaxPriority) }
