package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type progress struct {
	Order string `json:"order"`
	Stage string `json:"stage"`
}

var progressTopic = realtime.Define[progress]("progress")

// publishHandler serves a function whose first step publishes (durable
// realtime.PublishStep, or, with plain, a step.Run returning the same value:
// the baseline) and whose second step is a step.Run; publishes go to an
// engine whose publish endpoint counts them.
func publishHandler(tb testing.TB, plain bool) (http.Handler, *atomic.Int64) {
	tb.Helper()
	eng, err := engine.New(engine.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = eng.Close() })
	var published atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/realtime/publish" {
			published.Add(1)
		}
		eng.Handler().ServeHTTP(w, r)
	}))
	tb.Cleanup(api.Close)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "bench", Mode: inngest.ModeDev, BaseURL: api.URL,
		Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	require.NoError(tb, err)
	ref := progressTopic.On("order:o-1")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "publisher"}, inngest.OnEvent(orderCreated),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			p := progress{Order: in.Event.Data.OrderID, Stage: "validated"}
			var err error
			if plain {
				_, err = step.Run(ctx, "publish", func(context.Context) (progress, error) { return p, nil })
			} else {
				_, err = realtime.PublishStep(ctx, "publish", ref, p)
			}
			if err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(context.Context) (string, error) { return "ok", nil })
		})
	require.NoError(tb, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(tb, err)
	return h, &published
}

const publishURL = "/api/inngest?fnId=bench-publisher&stepId=step"

func publishMemo() map[string]any {
	return map[string]any{wire.HashID("publish", 0): map[string]any{"data": progress{Order: "o-1", Stage: "validated"}}}
}

// BenchmarkPublishStep measures one call of a function that publishes:
// first, the call that runs the publish step (one POST to the engine);
// memoized, a later call, which replays the publish from its record and
// sends nothing (the loop checks the engine saw no publish); baseline, the
// same later call with a step.Run in place of the publish.
func BenchmarkPublishStep(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		h, published := publishHandler(b, false)
		body := callBody(b, map[string]any{})
		runCalls(b, newCaller(b, h, publishURL, body, nil), len(body))
		require.Equal(b, int64(b.N), published.Load())
	})
	b.Run("memoized", func(b *testing.B) {
		h, published := publishHandler(b, false)
		body := callBody(b, publishMemo())
		runCalls(b, newCaller(b, h, publishURL, body, nil), len(body))
		require.Zero(b, published.Load())
	})
	b.Run("baseline", func(b *testing.B) {
		h, _ := publishHandler(b, true)
		body := callBody(b, publishMemo())
		runCalls(b, newCaller(b, h, publishURL, body, nil), len(body))
	})
}

// TestPublishStepCalls checks what the benchmarked calls answer: the first
// runs the publish (one POST, a StepRun op "publish"), the memoized one
// sends nothing and runs "after".
func TestPublishStepCalls(t *testing.T) {
	t.Parallel()
	h, published := publishHandler(t, false)
	c := newCaller(t, h, publishURL, callBody(t, map[string]any{}), nil)
	require.Equal(t, http.StatusPartialContent, c.do(), string(c.w.last))
	require.Equal(t, 1, countOps(t, c.w.last, wire.OpStepRun))
	require.Contains(t, string(c.w.last), wire.HashID("publish", 0))
	require.Equal(t, int64(1), published.Load())
	c = newCaller(t, h, publishURL, callBody(t, publishMemo()), nil)
	require.Equal(t, http.StatusPartialContent, c.do(), string(c.w.last))
	require.Contains(t, string(c.w.last), wire.HashID("after", 0))
	require.Equal(t, int64(1), published.Load())
}
