package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		deadline time.Time
		now      time.Duration
		past     bool
	}{
		{"start deadline not reached", StartDeadline(t0, 10*time.Minute), 10*time.Minute - 1, false},
		{"start deadline reached", StartDeadline(t0, 10*time.Minute), 10 * time.Minute, true},
		{"finish deadline passed", FinishDeadline(t0, time.Hour), 2 * time.Hour, true},
		{"no start deadline", StartDeadline(t0, 0), 1000 * time.Hour, false},
		{"no finish deadline", FinishDeadline(t0, -1), 1000 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.past, PastDeadline(tc.deadline, at(tc.now)))
		})
	}
}

func TestClampPriority(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]int64{0: 0, 120: 120, -600: -600, 50000: 43200, -50000: -43200} {
		require.Equal(t, want, ClampPriority(in))
	}
}
