package flow

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestThrottleReserve(t *testing.T) {
	t.Parallel()
	type call struct {
		key  string
		now  time.Duration
		want time.Duration
	}
	tests := []struct {
		name   string
		limit  int
		period time.Duration
		burst  int
		calls  []call
	}{
		// Recorded on the real server (testdata/realserver/throttle.json): 6
		// events at once against 2 per 10 s start 2 at once, then one every 5 s.
		{"limit starts at once then evenly spaced", 2, 10 * time.Second, 0, []call{
			{"", 0, 0}, {"", 0, 0}, {"", 0, 5 * time.Second}, {"", 0, 10 * time.Second},
			{"", 0, 15 * time.Second}, {"", 0, 20 * time.Second},
		}},
		{"evenly spaced after the first limit", 5, time.Minute, 0, []call{
			{"", 0, 0}, {"", 0, 0}, {"", 0, 0}, {"", 0, 0}, {"", 0, 0},
			{"", 0, 12 * time.Second}, {"", 0, 24 * time.Second},
		}},
		{"burst starts extra runs at once", 2, time.Minute, 2, []call{
			{"", 0, 0}, {"", 0, 0}, {"", 0, 0}, {"", 0, 0}, {"", 0, 30 * time.Second}, {"", 0, time.Minute},
		}},
		{"limit zero becomes one", 0, time.Minute, 0, []call{
			{"", 0, 0}, {"", 0, time.Minute}, {"", 0, 2 * time.Minute},
		}},
		{"exactly one interval later is free", 1, time.Minute, 0, []call{
			{"", 0, 0}, {"", time.Minute, time.Minute}, {"", 2 * time.Minute, 2 * time.Minute},
		}},
		{"just before the interval is delayed", 1, time.Minute, 0, []call{
			{"", 0, 0}, {"", time.Minute - time.Nanosecond, time.Minute},
		}},
		{"idle time refills the burst but no more", 2, time.Minute, 1, []call{
			{"", 0, 0}, {"", 0, 0}, {"", 0, 0}, {"", 0, 30 * time.Second},
			{"", 10 * time.Minute, 10 * time.Minute}, {"", 10 * time.Minute, 10 * time.Minute},
			{"", 10 * time.Minute, 10 * time.Minute}, {"", 10 * time.Minute, 10*time.Minute + 30*time.Second},
		}},
		{"keys are independent", 1, time.Minute, 0, []call{
			{"a", 0, 0}, {"b", 0, 0}, {"a", 0, time.Minute}, {"b", 0, time.Minute},
		}},
		{"zero period disables", 1, 0, 0, []call{
			{"", 0, 0}, {"", 0, 0}, {"", 0, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			th := NewThrottle(tc.limit, tc.period, tc.burst)
			for i, c := range tc.calls {
				require.Equal(t, at(c.want), th.Reserve(c.key, at(c.now)), "call %d", i)
			}
		})
	}
}

func TestThrottlePrunesIdleKeys(t *testing.T) {
	t.Parallel()
	th := NewThrottle(1, time.Second, 0)
	for i := range 1000 {
		th.Reserve(fmt.Sprint(i), at(time.Duration(i)*time.Second))
	}
	require.Less(t, th.Len(), 2*minPruneSize+1)
	th.Prune(at(time.Hour))
	require.Zero(t, th.Len())
}
