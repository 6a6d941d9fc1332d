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
		{"over the limit is dropped", 2, time.Minute, []call{
			{"", 0, true}, {"", time.Second, true}, {"", 2 * time.Second, false},
		}},
		{"exact period boundary frees the slot", 1, time.Minute, []call{
			{"", 0, true}, {"", time.Minute - time.Nanosecond, false}, {"", time.Minute, true},
		}},
		{"sliding window", 2, 10 * time.Second, []call{
			{"", 0, true}, {"", 5 * time.Second, true}, {"", 9 * time.Second, false},
			{"", 10 * time.Second, true}, {"", 14 * time.Second, false}, {"", 15 * time.Second, true},
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

	// One hot key keeps at most limit timestamps.
	for i := range 1000 {
		r.Allow("hot", at(time.Duration(i)*time.Millisecond*100))
	}
	require.LessOrEqual(t, len(r.starts["hot"]), 3)
}

func TestNewRateLimitE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit  int
		period time.Duration
		ok     bool
	}{
		{1, 10 * time.Second, true},
		{100, 24 * time.Hour, true},
		{0, time.Second, false},
		{1, 0, false},
		{1, 24*time.Hour + time.Second, false},
	}
	for _, tc := range tests {
		_, err := NewRateLimitE(tc.limit, tc.period)
		if tc.ok {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, "inngest:")
		}
	}
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
