package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// A rerun from a step with an input: the first call targets the step, its
// steps hold the results stored before it and the step's {"input": ...},
// the stack only the results; once the step returns, its result replaces
// the input. The new run links to the original, also through the /api/v2
// mount.
func TestRerunFromStepWithInput(t *testing.T) {
	t.Parallel()
	a, b := wire.HashID("a", 0), wire.HashID("b", 0)
	var (
		mu    sync.Mutex
		calls = map[string][]call{}
	)
	h := newHarness(t, engine.Options{}, func(c call) reply {
		mu.Lock()
		id, _ := c.ctx()["run_id"].(string)
		calls[id] = append(calls[id], c)
		mu.Unlock()
		steps := c.steps()
		if bm, _ := steps[b].(map[string]any); bm["data"] != nil {
			return ok(`"done"`)
		}
		if _, done := steps[a]; done {
			return ops(`{"op":"StepRun","id":"` + b + `","name":"b","displayName":"b","data":2}`)
		}
		return ops(`{"op":"StepRun","id":"` + a + `","name":"a","displayName":"a","data":1}`)
	})
	h.mustRegister(h.fn("work", nil))
	first := h.waitRuns(h.send("test/work", map[string]any{}), 1)[0]
	require.Equal(t, runtype.StatusCompleted, first.Status)

	_, err := h.eng.RerunFrom(t.Context(), first.ID, engine.RerunOptions{FromStep: "b", Input: []byte(`{"x":1}`)})
	require.ErrorContains(t, err, "JSON array")
	_, err = h.eng.RerunFrom(t.Context(), first.ID, engine.RerunOptions{FromStep: "nope"})
	require.ErrorIs(t, err, engine.ErrRerunStepNotFound)

	req, _ := http.NewRequest(http.MethodPost, h.api.URL+"/api/v2/runs/"+first.ID+"/rerun", bytes.NewReader([]byte(`{"fromStep":{"stepId":"b","input":[1, 2]}}`)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var out struct {
		Data struct {
			RunID string `json:"runId"`
		} `json:"data"`
	}
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	rerun, err := h.eng.WaitForRun(ctx, out.Data.RunID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, rerun.Status)
	require.Equal(t, first.ID, rerun.OriginalRunID)

	mu.Lock()
	defer mu.Unlock()
	got := calls[rerun.ID]
	require.Len(t, got, 2)
	require.Equal(t, b, got[0].StepID, "the first call targets the step")
	require.Equal(t, []any{a}, got[0].ctx()["stack"].(map[string]any)["stack"])
	require.Equal(t, map[string]any{a: map[string]any{"data": float64(1)}, b: map[string]any{"input": []any{float64(1), float64(2)}}}, got[0].steps())
	require.Equal(t, wire.DiscoveryStepID, got[1].StepID)
	require.Equal(t, map[string]any{"data": float64(2)}, got[1].steps()[b], "the result replaces the input")
}
