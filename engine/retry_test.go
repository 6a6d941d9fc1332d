package engine_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestDefaultRetryBackoffIsServerTable checks the server's table
// (pkg/backoff TableBackoff): retry n waits table[n-1] (the last entry for
// later retries) plus 0 to 30 s of jitter.
func TestDefaultRetryBackoffIsServerTable(t *testing.T) {
	t.Parallel()
	table := []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, 2 * time.Hour}
	for attempt := 1; attempt <= 14; attempt++ {
		base := table[min(attempt-1, len(table)-1)]
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 300 {
			d := engine.DefaultRetryBackoff(attempt)
			lo, hi = min(lo, d), max(hi, d)
			require.GreaterOrEqual(t, d, base, "attempt %d", attempt)
			require.Less(t, d, base+30*time.Second, "attempt %d", attempt)
		}
		require.Greater(t, hi-lo, 10*time.Second, "attempt %d: jitter spreads over 30 s", attempt)
	}
	d := engine.DefaultRetryBackoff(0)
	require.True(t, d >= 15*time.Second && d < 45*time.Second, "attempt < 1 is the first retry: %s", d)
}

// TestRetryWaitsAsTheServerDoes advances the virtual clock past a failed call:
// with the default backoff the retry comes 15 to 45 s later, as on the server.
func TestRetryWaitsAsTheServerDoes(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	clk := engine.NewVirtualClock(t0)
	h := newHarness(t, engine.Options{Clock: clk, RetryBackoff: engine.DefaultRetryBackoff}, func(c call) reply {
		if n.Add(1) == 1 {
			return reply{Status: 500, Body: `{"message":"flaky"}`}
		}
		return ok(`1`)
	})
	h.mustRegister(h.fn("retry", nil))
	id := h.send("test/retry", map[string]any{})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	clk.Advance(15*time.Second - time.Millisecond)
	waitUntil(t, h.eng.Idle)
	require.Len(t, h.app.Calls(), 1, "no retry before 15 s")
	clk.Advance(30 * time.Second)
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	require.Len(t, h.app.Calls(), 2)
}

// TestRetryAfterBounds checks Retry-After as the server reads it
// (httpdriver.ParseRetry): seconds > 0 or a date, clamped to 1 s..24 h; a
// value of 0 or below is not a delay and the table applies.
func TestRetryAfterBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		want   time.Duration // 0: the backoff function's value
	}{
		{"5", 5 * time.Second},
		{"172800", 24 * time.Hour},
		{"0", 0},
		{"-5", 0},
		{t0.Add(-time.Hour).Format(time.RFC1123), time.Second},
		{t0.Add(3 * time.Minute).Format(time.RFC1123), 3 * time.Minute},
	} {
		t.Run(tc.header, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			h := newHarness(t, engine.Options{RetryBackoff: func(int) time.Duration { return 77 * time.Second }}, func(c call) reply {
				if n.Add(1) == 1 {
					return reply{Status: 500, Body: `{"message":"later"}`, Headers: map[string]string{"Retry-After": tc.header}}
				}
				return ok(`1`)
			})
			h.mustRegister(h.fn("ra", nil))
			id := h.send("test/ra", map[string]any{})
			run := h.waitRuns(id, 1)[0]
			want := tc.want
			if want == 0 {
				want = 77 * time.Second
			}
			var retry runtype.HistoryItem
			for _, it := range run.History {
				if it.Kind == "retry" {
					retry = it
				}
			}
			require.Equal(t, "attempt 1 in "+want.String(), retry.Detail)
		})
	}
}
