package inngesttest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// checkpointEnv starts an environment whose client counts its requests to the
// engine's /v1/checkpoint API.
func checkpointEnv(t *testing.T) (*inngesttest.Env, *countingTransport) {
	ct := newCountingTransport()
	t.Cleanup(ct.close) // registered first: runs after the environment is stopped
	env := inngesttest.Start(t, inngesttest.Options{Client: inngest.ClientOptions{HTTPClient: &http.Client{Transport: ct}}})
	return env, ct
}

// tenSteps runs n sequential steps, with an optional sleep after step sleepAfter.
func tenSteps(n, sleepAfter int) inngest.Handler[e2eData, int] {
	return func(ctx context.Context, in inngest.Input[e2eData]) (int, error) {
		total := 0
		for i := range n {
			v, err := step.Run(ctx, fmt.Sprintf("s%d", i), func(ctx context.Context) (int, error) { return i, nil })
			if err != nil {
				return 0, err
			}
			total += v
			if i+1 == sleepAfter {
				if err := step.Sleep(ctx, "pause", time.Hour); err != nil {
					return 0, err
				}
			}
		}
		return total, nil
	}
}

// TestE2ECheckpointing drives the real /v1/checkpoint/{run}/async of the
// embedded engine: with checkpointing, consecutive steps run in one call.
func TestE2ECheckpointing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		ck          inngest.CheckpointOptions
		sleepAfter  int
		calls       int
		checkpoints int
	}{
		{name: "on", calls: 1, checkpoints: 1},
		{name: "batch of 3", ck: inngest.CheckpointOptions{BatchSteps: 3}, calls: 1, checkpoints: 4},
		{name: "off", ck: noCheckpoint, calls: 11, checkpoints: 0},
		{name: "sleep in the middle", sleepAfter: 5, calls: 2, checkpoints: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, ct := checkpointEnv(t)
			env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "ten", Checkpoint: tt.ck}, inngest.OnEvent(e2eStarted), tenSteps(10, tt.sleepAfter)))
			start := env.Now()
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireOutput(t, run, "45")
			for i := range 10 {
				inngesttest.RequireStepAttempts(t, run, fmt.Sprintf("s%d", i), 1)
			}
			require.Equal(t, tt.calls, run.Calls, "SDK calls")
			require.Equal(t, tt.checkpoints, ct.checkpoints(run.ID), "checkpoint requests")
			require.Len(t, historyDetails(run, "checkpoint"), tt.checkpoints, "checkpoints the engine applied")
			if tt.name == "on" {
				require.LessOrEqual(t, ct.checkpoints(run.ID), 2)
			}
			if tt.sleepAfter > 0 {
				require.Equal(t, []string{"1h0m0s", "woke up"}, historyDetails(run, "sleep"))
				require.Equal(t, time.Hour, run.EndedAt.Sub(start))
				s, ok := run.Step("pause")
				require.True(t, ok)
				require.True(t, s.Done)
				require.Len(t, run.Steps, 11)
			} else {
				require.Len(t, run.Steps, 10)
			}
		})
	}
}
