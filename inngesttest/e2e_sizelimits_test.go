package inngesttest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2EFallbackWithinResponseLimit: batches of three 3 MiB steps make a 9 MiB
// checkpoint, which the engine refuses (as a server with an 8 MiB body limit
// would); the fallback 206 then carries the steps that fit in the server's 8
// MiB response limit, and the run completes, each step recorded once with its
// full output.
func TestE2EFallbackWithinResponseLimit(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("12 MB of step state takes minutes under the race detector on a loaded machine; run without -race (serve's TestFallbackResponseWithinServerLimit covers the logic under -race); make test runs it without -race after the race suite")
	}
	env := inngesttest.Start(t, inngesttest.Options{Timeout: time.Minute, Client: inngest.ClientOptions{
		Checkpoint: inngest.CheckpointOptions{BatchSteps: 3, BatchInterval: time.Hour}}})
	const size = 3 << 20
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "bigsteps"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) {
			total := 0
			for i := range 4 {
				v, err := step.Run(ctx, fmt.Sprintf("big%d", i), func(ctx context.Context) (string, error) {
					return strings.Repeat(string(rune('a'+i)), size), nil
				})
				if err != nil {
					return 0, err
				}
				total += len(v)
			}
			return total, nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{}))[0])
	inngesttest.RequireOutput(t, run, fmt.Sprint(4*size))
	require.Len(t, run.Steps, 4)
	for _, s := range run.Steps {
		require.Greater(t, len(s.Result), size, s.Name)
	}
}
