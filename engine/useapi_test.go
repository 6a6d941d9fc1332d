package engine_test

import (
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// When the memoized steps make a call too large, the server leaves the steps
// out (use_api) but keeps the events if the rest fits; only a request that
// is still too large loses its events too.
func TestUseAPIKeepsEventsThatFit(t *testing.T) {
	t.Parallel()
	big := `"` + strings.Repeat("x", 3<<20) + `"`
	a, b := wire.HashID("a", 0), wire.HashID("b", 0)
	tests := []struct {
		name      string
		eventData map[string]any
		events    int
	}{
		{"small event", map[string]any{"n": 1}, 1},
		{"large event", map[string]any{"pad": strings.Repeat("y", 3<<20)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if c.Req["use_api"] == true {
					return ok(`"done"`)
				}
				if _, has := c.steps()[a]; !has {
					return ops(`{"op":"StepRun","id":"` + a + `","name":"a","data":` + big + `}`)
				}
				return ops(`{"op":"StepRun","id":"` + b + `","name":"b","data":` + big + `}`)
			})
			h.mustRegister(h.fn("useapi", nil))
			id := h.send("test/useapi", tt.eventData)
			require.Equal(t, runtype.StatusCompleted, h.waitRuns(id, 1)[0].Status)
			calls := h.app.Calls()
			last := calls[len(calls)-1]
			require.Equal(t, true, last.Req["use_api"])
			require.Equal(t, true, last.ctx()["use_api"])
			require.Empty(t, last.steps())
			require.NotNil(t, last.Req["steps"], "steps is an empty object, not null")
			require.Len(t, last.Req["events"], tt.events)
			require.NotNil(t, last.Req["event"], "the event is always sent")
		})
	}
}
