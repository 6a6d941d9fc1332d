package engine_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// A run of more checkpointed steps than MaxHistory (one history entry each)
// keeps MaxHistory entries: its first HistoryHead and its latest, with the
// count of those dropped in between. (TestHistoryBound5000 runs 5,000
// entries through the same code without HTTP.)
func TestHistoryBounded(t *testing.T) {
	t.Parallel()
	const steps = runtype.MaxHistory + 200
	var h *harness
	// The MemoryStore's aliasing check re-encodes the whole run on every
	// read and save: over 700 checkpoints that is quadratic and took over
	// waitBound under -race on a loaded machine. TestHistoryBound5000 checks
	// that the bound never writes into a stored history.
	h = newHarness(t, engine.Options{Store: memstore.New()}, func(c call) reply {
		run := c.ctx()["run_id"].(string)
		for i := range steps {
			id := "s" + strconv.Itoa(i)
			body := `{"run_id":"` + run + `","fn_id":"x","qi_id":"y","steps":[{"op":"StepRun","id":"` + wire.HashID(id, 0) + `","name":"` + id + `","data":` + strconv.Itoa(i) + `}]}`
			status, _ := h.post("/v1/checkpoint/"+run+"/async", []byte(body), nil)
			require.Equal(t, http.StatusOK, status)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("long", nil))
	id := h.send("test/long", map[string]any{})
	run := h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Len(t, run.Steps, steps)

	kept := run.History
	require.Len(t, kept, runtype.MaxHistory)
	require.Equal(t, "queued", kept[0].Kind, "the first entries are kept")
	require.Equal(t, "call", kept[1].Kind)
	require.Equal(t, "Completed", kept[len(kept)-1].Kind, "the latest entries are kept")
	checkpoints := 0
	for _, it := range kept {
		if it.Kind == "checkpoint" {
			checkpoints++
		}
	}
	require.Equal(t, steps, checkpoints+run.HistoryDropped, "every dropped entry is counted")
	require.Equal(t, "StepRun(s"+strconv.Itoa(steps-1)+")", kept[len(kept)-3].Detail, "the last checkpoint is kept")
	require.Equal(t, "StepRun(s"+strconv.Itoa(run.HistoryDropped+runtype.HistoryHead-2)+")", kept[runtype.HistoryHead].Detail,
		"the entries dropped are the oldest after the first HistoryHead")
}
