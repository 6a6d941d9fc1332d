package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// TestOpsAlwaysCarryData pins the JSON of every op the SDK reports to carry a
// "data" key, null when the op has no data, as the official SDKs write it: the
// official conformance runner compares ops strictly, and a missing key is not a
// null one there.
func TestOpsAlwaysCarryData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op       string
		attempt  int
		wantData string
		h        inngest.Handler[anyData, string]
	}{
		{"StepRun", 0, `"ran"`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "ran", nil })
		}},
		{"StepError", 0, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "", errors.New("broken") })
		}},
		{"StepFailed", 4, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "", errors.New("broken") })
		}},
		{"StepPlanned", 0, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			branch := func(id string) func(ctx context.Context) (string, error) {
				return func(ctx context.Context) (string, error) {
					return step.Run(ctx, id, func(ctx context.Context) (string, error) { return id, nil })
				}
			}
			_, err := step.Parallel(ctx, branch("a"), branch("b"))
			return "", err
		}},
		{"Sleep", 0, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			return "", step.Sleep(ctx, "a", 2*time.Second)
		}},
		{"WaitForEvent", 0, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			_, _, err := step.WaitForEvent(ctx, "a", evTest, time.Minute)
			return "", err
		}},
		{"InvokeFunction", 0, `null`, func(ctx context.Context, _ inngest.Input[anyData]) (string, error) {
			return step.Invoke(ctx, "a", inngest.Ref[anyData, string]("other-app-fn"), anyData{"k": 1}, time.Minute)
		}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			c, logs := devClient(t, inngest.ClientOptions{Checkpoint: inngest.CheckpointOptions{Disabled: true}})
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ops"}, inngest.OnEvent(evTest), tc.h)
			require.NoError(t, err)
			h, err := serve.New(c, serve.Options{}, fn)
			require.NoError(t, err)
			rec := post(h, "ops", "", call{Attempt: tc.attempt}.body())
			require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String()+logs.String())
			var ops []map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ops))
			require.NotEmpty(t, ops)
			for _, op := range ops {
				require.JSONEq(t, `"`+tc.op+`"`, string(op["op"]), rec.Body.String())
				data, ok := op["data"]
				require.True(t, ok, "op without a data key: %s", rec.Body.String())
				require.JSONEq(t, tc.wantData, string(data))
			}
		})
	}
}
