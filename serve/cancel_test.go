package serve_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// A call whose context is cancelled while its step runs (the server closed the
// connection) lets that step finish and checkpoints it, but starts no further
// step; its answer is a retriable error that nobody reads.
func TestCancelledCallStartsNoNewStep(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 10, BatchInterval: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var second atomic.Int32
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "cancelled"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			if _, err := step.Run(ctx, "in-flight", func(ctx context.Context) (int, error) {
				cancel() // the server gives up while the step runs
				return 1, nil
			}); err != nil {
				return "", err
			}
			return step.Run(ctx, "next", func(ctx context.Context) (string, error) {
				second.Add(1)
				return "ran", nil
			})
		}))
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=wirecap-cancelled&stepId=step", bytes.NewReader(call{}.body())).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Zero(t, second.Load(), "no step starts after the call was cancelled")
	require.Equal(t, []string{"StepRun in-flight"}, checkpointedSteps(t, api), "the step in flight is persisted")
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"))
	require.Contains(t, rec.Body.String(), "CallCancelled")
}
