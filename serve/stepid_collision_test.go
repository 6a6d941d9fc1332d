package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// TestStepIDNamedLikeARepeat drives a run to completion through the real
// handler, feeding each call's StepRun ops back as memos the way the server
// does: a step literally named "charge:1" next to a repeated "charge" gets its
// own hashed id and memo, and every step replays its own value. The hashed ids
// follow the JavaScript SDK (packages/inngest/src/components/execution/engine.ts,
// resolveStepIdCollision: an index whose id is already used is skipped; a
// colliding id gets ":n" from 1); the common case is the spec's "id", "id:1".
func TestStepIDNamedLikeARepeat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ids    []string
		hashed []string // pre-hash ids, in step order
		index  []int    // userland index of each step
	}{
		{[]string{"charge", "charge", "charge:1"}, []string{"charge", "charge:1", "charge:1:1"}, []int{0, 1, 1}},
		{[]string{"charge", "charge:1", "charge"}, []string{"charge", "charge:1", "charge:2"}, []int{0, 0, 2}},
		{[]string{"charge:1", "charge", "charge", "charge"}, []string{"charge:1", "charge", "charge:2", "charge:3"}, []int{0, 0, 2, 3}},
		{[]string{"item", "item", "item"}, []string{"item", "item:1", "item:2"}, []int{0, 1, 2}},
	} {
		t.Run(strings.Join(tc.ids, ","), func(t *testing.T) {
			t.Parallel()
			c, logs := devClient(t, inngest.ClientOptions{Checkpoint: inngest.CheckpointOptions{Disabled: true}})
			ids := tc.ids
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ids"}, inngest.OnEvent(evTest),
				func(ctx context.Context, _ inngest.Input[anyData]) ([]int, error) {
					var out []int
					for i, id := range ids {
						v, err := step.Run(ctx, id, func(ctx context.Context) (int, error) { return i + 1, nil })
						if err != nil {
							return nil, err
						}
						out = append(out, v)
					}
					return out, nil
				})
			require.NoError(t, err)
			h, err := serve.New(c, serve.Options{}, fn)
			require.NoError(t, err)

			memo := map[string]json.RawMessage{}
			var reported []string
			for range len(ids) + 1 {
				steps, err := json.Marshal(memo)
				require.NoError(t, err)
				rec := post(h, "ids", "", call{Steps: string(steps)}.body())
				if rec.Code == http.StatusOK {
					want := make([]string, len(ids))
					for i := range ids {
						want[i] = strconv.Itoa(i + 1)
					}
					require.JSONEq(t, "["+strings.Join(want, ",")+"]", rec.Body.String())
					break
				}
				require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String()+logs.String())
				var ops []struct {
					Op       string          `json:"op"`
					ID       string          `json:"id"`
					Data     json.RawMessage `json:"data"`
					Userland wire.Userland   `json:"userland"`
				}
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ops))
				require.Len(t, ops, 1)
				op := ops[0]
				require.Equal(t, "StepRun", op.Op)
				i := len(reported)
				require.Equal(t, wire.HashID(tc.hashed[i], 0), op.ID, "step %d (%q)", i, ids[i])
				require.Equal(t, wire.Userland{ID: ids[i], Index: tc.index[i]}, op.Userland)
				require.NotContains(t, memo, op.ID, "two steps share a memo")
				memo[op.ID] = json.RawMessage(`{"data":` + string(op.Data) + `}`)
				reported = append(reported, op.ID)
			}
			require.Len(t, reported, len(ids))
		})
	}
}
