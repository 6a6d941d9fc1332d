package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// passThrough is one middleware with the hooks a value transform uses (input,
// step memo, step output, output), each returning its value unchanged: the cost
// of the middleware layer itself, without the cost of a real transform.
var passThrough = &inngest.Middleware{
	Name: "pass-through",
	TransformInput: func(ctx context.Context, call inngest.CallInfo, data json.RawMessage) (json.RawMessage, error) {
		return data, nil
	},
	TransformStepMemo: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, data json.RawMessage) (json.RawMessage, error) {
		return data, nil
	},
	TransformStepOutput: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, data json.RawMessage) (json.RawMessage, error) {
		return data, nil
	},
	TransformOutput: func(ctx context.Context, call inngest.CallInfo, out json.RawMessage) (json.RawMessage, error) {
		return out, nil
	},
}

// middlewareHandler is sequentialHandler with passThrough registered on the client.
func middlewareHandler(tb testing.TB, n int) http.Handler {
	tb.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "bench", Mode: inngest.ModeDev, SigningKey: benchSigningKey,
		Checkpoint: inngest.CheckpointOptions{Disabled: true},
		Middleware: []*inngest.Middleware{passThrough},
	})
	require.NoError(tb, err)
	h, err := serve.New(c, serve.Options{}, sequentialFunction(tb, c, n))
	require.NoError(tb, err)
	return h
}

// BenchmarkCallMiddleware is BenchmarkCall with one pass-through middleware: the
// difference is the middleware layer's cost (each memo's data goes through
// TransformStepMemo as raw JSON before it is decoded).
func BenchmarkCallMiddleware(b *testing.B) {
	benchCalls(b, func(n int) http.Handler { return middlewareHandler(b, n) })
}
