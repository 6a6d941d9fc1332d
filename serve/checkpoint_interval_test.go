package serve_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// A step completed while the timer's checkpoint request is in flight still goes
// out on the interval, not when the batch fills or the call ends: the first
// flush (of "one") is held until "two" completed; "three" then waits for "two"
// to be checkpointed, which only the interval timer can do (the batch holds 50
// steps and the call has not ended).
func TestCheckpointIntervalAfterFlushInFlight(t *testing.T) {
	t.Parallel()
	firstArrived := make(chan struct{})
	release := make(chan struct{})
	twoArrived := make(chan struct{}, 1)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch {
		case bytes.Contains(body, []byte(`"name":"one"`)):
			close(firstArrived)
			<-release
		case bytes.Contains(body, []byte(`"name":"two"`)):
			select {
			case twoArrived <- struct{}{}:
			default:
			}
		}
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 50, BatchInterval: 5 * time.Millisecond}})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "inflight"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			if _, err := step.Run(ctx, "one", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "two", func(ctx context.Context) (int, error) {
				<-firstArrived // the timer's flush of "one" is in flight
				return 2, nil
			}); err != nil {
				return "", err
			}
			return step.Run(ctx, "three", func(ctx context.Context) (string, error) {
				close(release) // "two" is buffered: let the first flush return
				select {
				case <-twoArrived:
					return "two was checkpointed while three ran", nil
				case <-time.After(10 * time.Second):
					return "", inngest.NoRetry(context.DeadlineExceeded)
				}
			})
		}))
	rec := post(h, "wirecap-inflight", "", call{}.body())
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `"two was checkpointed while three ran"`, rec.Body.String())
	require.Equal(t, []string{"StepRun one", "StepRun two", "StepRun three"}, checkpointedSteps(t, api))
}
