package engine_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// TestResponseSizeLimitsLikeServer: as the server, the engine fails a call
// whose response is over 8 MiB (exechttp: output_too_large), or holds one op
// whose output or input is over 4 MiB (GeneratorOpcode.Validate: the whole
// 206 is refused), and retries it; nothing of the refused response is
// memoized.
func TestResponseSizeLimitsLikeServer(t *testing.T) {
	t.Parallel()
	step := `{"op":"StepRun","id":"` + wire.HashID("a", 0) + `","name":"a","data":`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"output over 4 MiB", `[` + step + `"` + strings.Repeat("x", wire.MaxStepOutputBytes) + `"}]`, "step output size is greater than the limit"},
		{"escaped output over 4 MiB", `[` + step + `"` + strings.Repeat("<", wire.MaxStepOutputBytes/6) + `"}]`, "step output size is greater than the limit"},
		{"input over 4 MiB", `[` + step + `1,"opts":{"input":["` + strings.Repeat("x", wire.MaxStepInputBytes) + `"]}}]`, "step input size is greater than the limit"},
		{"response over 8 MiB", `[` + step + `1,"opts":{"pad":"` + strings.Repeat("x", wire.MaxResponseBytes) + `"}}]`, "larger than 8 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			h := newHarness(t, engine.Options{}, func(c call) reply {
				if n.Add(1) == 1 {
					return reply{Status: 206, Body: tc.body}
				}
				return ok(`"done"`)
			})
			h.mustRegister(h.fn("big", nil))
			runs := h.waitRuns(h.send("test/big", map[string]any{}), 1)
			require.Equal(t, runtype.StatusCompleted, runs[0].Status)
			calls := h.app.Calls()
			require.Len(t, calls, 2, "the oversized response is a failed call, retried")
			require.Empty(t, calls[1].steps(), "nothing of it was memoized")
			var errs []string
			for _, it := range runs[0].History {
				if it.Kind == "error" {
					errs = append(errs, it.Detail)
				}
			}
			require.Len(t, errs, 1)
			require.Contains(t, errs[0], tc.want)
		})
	}
}

// TestCheckpointOutputLimitLikeServer: a checkpoint holding a step output over
// 4 MiB is refused with 413, as the server's CheckpointAsyncSteps does.
func TestCheckpointOutputLimitLikeServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`1`) })
	body := `{"run_id":"01KRUN0000000000000000000","steps":[{"op":"StepRun","id":"` + wire.HashID("a", 0) +
		`","name":"a","data":"` + strings.Repeat("x", wire.MaxStepOutputBytes) + `"}]}`
	status, out := h.post("/v1/checkpoint/01KRUN0000000000000000000/async", []byte(body), nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, status, "%v", out)
	require.Contains(t, out["error"], "step output size is greater than the limit")
}
