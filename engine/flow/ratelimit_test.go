package flow

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRateLimitAllow(t *testing.T) {
	t.Parallel()
	type call struct {
		key  string
		now  time.Duration
		want bool
	}
	tests := []struct {
		name   string
		limit  int
		period time.Duration
		calls  []call
	}{
		// Recorded on the real server (testdata/realserver/ratelimit.json): 10
		// events at once give 2 runs; one 7 s later runs.
		{"ten at once against 10 per minute start two", 10, time.Minute, []call{
			{"", 0, true}, {"", 0, true}, {"", 0, false}, {"", 0, false}, {"", 0, false},
			{"", 0, false}, {"", 0, false}, {"", 0, false}, {"", 0, false}, {"", 0, false},
			{"", 7 * time.Second, true}, {"", 7 * time.Second, false},
		}},
		{"under 10 per period there is no burst", 2, time.Minute, []call{
			{"", 0, true}, {"", time.Second, false}, {"", 30 * time.Second, true}, {"", 31 * time.Second, false},
		}},
		{"exact emission boundary frees the slot", 1, time.Minute, []call{
			{"", 0, true}, {"", time.Minute - time.Nanosecond, false}, {"", time.Minute, true},
		}},
		{"burst of limit/10 then the steady rate", 20, 10 * time.Second, []call{
			{"", 0, true}, {"", 0, true}, {"", 0, true}, {"", 0, false},
			{"", 500 * time.Millisecond, true}, {"", 500 * time.Millisecond, false},
		}},
		{"dropped calls do not count", 1, 10 * time.Second, []call{
			{"", 0, true}, {"", 9 * time.Second, false}, {"", 10 * time.Second, true},
		}},
		{"keys are independent", 1, time.Hour, []call{
			{"a", 0, true}, {"b", 0, true}, {"a", time.Minute, false}, {"b", time.Minute, false},
		}},
		{"zero limit becomes one", 0, time.Hour, []call{
			{"", 0, true}, {"", 0, false},
		}},
		{"zero period disables", 1, 0, []call{
			{"", 0, true}, {"", 0, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRateLimit(tc.limit, tc.period)
			for i, c := range tc.calls {
				require.Equal(t, c.want, r.Allow(c.key, at(c.now)), "call %d", i)
			}
		})
	}
}

func TestRateLimitPrunes(t *testing.T) {
	t.Parallel()
	r := NewRateLimit(3, time.Second)
	for i := range 1000 {
		require.True(t, r.Allow(fmt.Sprint(i), at(time.Duration(i)*time.Second)))
	}
	require.Less(t, r.Len(), 2*minPruneSize+1)
	r.Prune(at(time.Hour))
	require.Zero(t, r.Len())

	// One hot key keeps one timestamp.
	for i := range 1000 {
		r.Allow("hot", at(time.Hour+time.Duration(i)*time.Millisecond*100))
	}
	require.Equal(t, 1, r.Len())
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ttl  time.Duration
		key  string
		now  time.Duration
		want bool
	}{
		// Steps run in order on one Idempotency.
		{"first", 0, "u1", 0, true},
		{"repeat", 0, "u1", time.Hour, false},
		{"other key", 0, "u2", time.Hour, true},
		{"just before 24h", 0, "u1", 24*time.Hour - time.Nanosecond, false},
		{"at 24h", 0, "u1", 24 * time.Hour, true},
		{"again after reset", 0, "u1", 24*time.Hour + time.Second, false},
	}
	i := NewIdempotency(0)
	for _, tc := range tests {
		require.Equal(t, tc.want, i.FirstSeen(tc.key, at(tc.now)), tc.name)
	}
	i.Prune(at(72 * time.Hour))
	require.Zero(t, i.Len())

	short := NewIdempotency(time.Minute)
	require.True(t, short.FirstSeen("k", at(0)))
	require.False(t, short.FirstSeen("k", at(time.Second)))
	require.True(t, short.FirstSeen("k", at(time.Minute)))
}
