package inngesttest_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestEngineGapTargetedCallStepID runs step.Parallel against the bare engine,
// without inngesttest's stepId workaround. The SDK registers runtime URLs ending
// in "&stepId=step"; for a targeted call the engine appends "&stepId=<hash>"
// instead of replacing the parameter, the SDK reads the first value ("step"),
// treats the call as a discovery call and plans the same steps again, forever.
// Expected: the run completes with [1,2]. Seen: endless StepPlanned calls.
func TestEngineGapTargetedCallStepID(t *testing.T) {
	t.Parallel()
	clk := engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clk.SetAutoAdvance(true)
	eng, err := engine.New(engine.Options{Clock: clk})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "gap", Mode: inngest.ModeDev, BaseURL: api.URL})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "par"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) ([]int, error) {
			one := func(ctx context.Context) (int, error) {
				return step.Run(ctx, "a", func(ctx context.Context) (int, error) { return 1, nil })
			}
			two := func(ctx context.Context) (int, error) {
				return step.Run(ctx, "b", func(ctx context.Context) (int, error) { return 2, nil })
			}
			return step.Parallel(ctx, one, two)
		})
	require.NoError(t, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = eng.Close()
		app.Close()
		api.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.NoError(t, eng.Sync(ctx, app.URL+"/api/inngest"))
	ids, err := c.Send(ctx, tick.New(tickData{}))
	require.NoError(t, err)
	runs, err := eng.WaitForEventRuns(ctx, ids[0], 1)
	require.NoError(t, err, "the run never finished")
	require.JSONEq(t, "[1,2]", string(runs[0].Output))
}
