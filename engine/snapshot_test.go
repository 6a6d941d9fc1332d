package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestRunSnapshotsAreCopies checks that the runs Engine.Run and WaitForRun
// return share nothing with the engine: the MemoryStore keeps the runs it is
// given and shares parts of them with the engine's own loads, so a caller
// editing a snapshot must not reach the stored run.
func TestRunSnapshotsAreCopies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, threeSteps)
	h.mustRegister(h.fn("snap", nil))
	id := h.send("test/snap", map[string]any{"k": 1})
	runID := h.waitRuns(id, 1)[0].ID

	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	waited, err := h.eng.WaitForRun(ctx, runID)
	require.NoError(t, err)
	got, err := h.eng.Run(runID)
	require.NoError(t, err)
	want, _ := json.Marshal(got)
	for _, r := range []runtype.Run{waited, got} {
		require.NotEmpty(t, r.History)
		require.NotEmpty(t, r.Steps)
		r.History[0].Kind = "edited"
		r.Steps[0].Name = "edited"
		r.Events[0] = json.RawMessage(`{}`)
		r.EventIDs[0] = "edited"
	}
	again, err := h.eng.Run(runID)
	require.NoError(t, err)
	b, _ := json.Marshal(again)
	require.JSONEq(t, string(want), string(b))
}
