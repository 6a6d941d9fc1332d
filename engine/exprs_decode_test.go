package engine_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestRunStartDecodesEventOnlyForExpressions checks that starting a run
// decodes its event into expression variables only when the function has an
// expression to evaluate (a key, a condition, a priority): decoding is the
// costliest part of starting a run. Not parallel: the count is process-wide.
func TestRunStartDecodesEventOnlyForExpressions(t *testing.T) {
	tests := []struct {
		name    string
		extra   map[string]any
		decodes bool
	}{
		{"no flow control", nil, false},
		{"concurrency without key", map[string]any{"concurrency": []any{map[string]any{"limit": 2}}}, false},
		{"concurrency key", map[string]any{"concurrency": []any{map[string]any{"limit": 2, "key": "event.data.k"}}}, true},
		{"priority", map[string]any{"priority": map[string]any{"run": "event.data.k"}}, true},
		{"rate limit key", map[string]any{"rateLimit": map[string]any{"limit": 10, "period": "1m", "key": "event.data.k"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, engine.Options{}, threeSteps)
			h.mustRegister(h.fn("dec", tc.extra))
			before := engine.EventDecodesForTest(h.eng)
			id := h.send("test/dec", map[string]any{"k": 1})
			runs := h.waitRuns(id, 1)
			require.Equal(t, runtype.StatusCompleted, runs[0].Status)
			decodes := engine.EventDecodesForTest(h.eng) - before
			if tc.decodes {
				require.Positive(t, decodes)
			} else {
				require.Zero(t, decodes, "events decoded for a function without expressions")
			}
		})
	}
}
