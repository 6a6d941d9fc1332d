package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// A step called by a deferred function while the SDK stops the function (a step
// was reported) does not run: the call reports the one step, and the deferred
// step gets step.ErrRunEnded.
func TestDeferredStepDoesNotRunWhileStopping(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	var deferredErr atomic.Value
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "defers"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			defer func() {
				_, err := step.Run(ctx, "cleanup", func(ctx context.Context) (string, error) {
					ran.Add(1)
					return "cleaned", nil
				})
				deferredErr.Store(err)
			}()
			return step.Run(ctx, "work", func(ctx context.Context) (string, error) { return "done", nil })
		}))
	rec := post(h, "wirecap-defers", "", call{}.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	ops := decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1, "only the reported step: %s", rec.Body.String())
	require.Equal(t, "work", ops[0].Name)
	require.Zero(t, ran.Load(), "the deferred step's code must not run")
	require.ErrorIs(t, deferredErr.Load().(error), step.ErrRunEnded)
}

// SDK diagnostics are logged while the function replays (the user's logger is
// silent then), and a panic's stack goes in the wire error's "stack" field, not
// in its message, for functions and steps alike.
func TestPanicStackAndSDKLogDuringReplay(t *testing.T) {
	t.Parallel()
	c, logs := devClient(t, inngest.ClientOptions{})
	memo := fmt.Sprintf(`{%q:{"data":"a"}}`, wire.HashID("a", 0))
	h := serve.Handler(c,
		mustFn(t, c, inngest.FunctionOpts{ID: "fn-panics"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				if inngest.Replaying(ctx) {
					panic("boom while replaying")
				}
				return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "a", nil })
			}),
		mustFn(t, c, inngest.FunctionOpts{ID: "step-panics"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				return step.Run(ctx, "a", func(ctx context.Context) (string, error) { panic("boom in step") })
			}))

	rec := post(h, "wirecap-fn-panics", "", call{Steps: memo}.body())
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	var body struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		Stack   string `json:"stack"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "panic: boom while replaying", body.Message)
	require.Contains(t, body.Stack, "goroutine")
	require.Contains(t, logs.String(), "function panicked", "the panic must be logged although the function was replaying")

	rec = post(h, "wirecap-step-panics", "", call{}.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	var ops []struct {
		Op    string         `json:"op"`
		Error wire.MemoError `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ops))
	require.Len(t, ops, 1)
	require.Equal(t, "StepError", ops[0].Op)
	require.Equal(t, "panic: boom in step", ops[0].Error.Message)
	require.Contains(t, ops[0].Error.Stack, "goroutine")
	require.Contains(t, logs.String(), "step panicked")
}

// A call whose state cannot be fetched (use_api) is answered 500 and logged.
func TestStateFetchFailureLogged(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(http.StatusBadGateway) })
	c, logs := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "big"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil }))
	rec := post(h, "wirecap-big", "", call{UseAPI: true}.body())
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	require.Contains(t, logs.String(), "fetching run state (use_api) failed")
}
