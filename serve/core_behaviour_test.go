package serve_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// callBody builds a discovery call body for the smoke event with the given steps.
func callBody(steps string) []byte {
	return []byte(`{"ctx":{"attempt":0,"disable_immediate_execution":false,"fn_id":"x","max_attempts":5,"run_id":"r1","stack":{"current":0,"stack":[]},"step_id":"step"},"event":{"data":{"name":"bob"},"id":"e1","name":"test/smoke.started","ts":1,"user":{}},"events":[{"data":{"name":"bob"},"id":"e1","name":"test/smoke.started","ts":1,"user":{}}],"steps":` + steps + `,"use_api":false,"version":2}`)
}

// The replay-aware logger is silent while memoized steps replay, then logs with the
// run and function ids; inside a step it adds the step id.
func TestLoggerSilentDuringReplay(t *testing.T) {
	t.Parallel()
	c, logs := devClient(t, inngest.ClientOptions{AppID: "app"})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "logs"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) (string, error) {
			inngest.Logger(ctx).Info("before-first")
			if _, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			inngest.Logger(ctx).Info("between")
			return step.Run(ctx, "second", func(ctx context.Context) (string, error) {
				inngest.Logger(ctx).Info("inside-second")
				return "ok", nil
			})
		})
	require.NoError(t, err)
	h := serve.Handler(c, fn)
	first := wire.HashID("first", 0)
	rec := do(h, http.MethodPost, "/api/inngest?fnId=app-logs&stepId=step", callBody(`{"`+first+`":{"data":1}}`), nil)
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	out := logs.String()
	require.NotContains(t, out, "before-first", "lines before the memoized step replay must be silent")
	require.Contains(t, out, `"msg":"between"`)
	require.Contains(t, out, `"run_id":"r1"`)
	require.Contains(t, out, `"function_id":"app-logs"`)
	require.Contains(t, out, `"msg":"inside-second"`)
	require.Contains(t, out, `"step_id":"second"`)
}

// Memoized steps the code no longer reaches are reported as a warning.
func TestNondeterminismWarning(t *testing.T) {
	t.Parallel()
	c, logs := devClient(t, inngest.ClientOptions{AppID: "app"})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "nondet"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) (int, error) {
			return step.Run(ctx, "renamed", func(ctx context.Context) (int, error) { return 2, nil })
		})
	require.NoError(t, err)
	old := wire.HashID("original", 0)
	body := strings.Replace(string(callBody(`{"`+old+`":{"data":1}}`)), `"stack":[]`, `"stack":["`+old+`"]`, 1)
	rec := do(serve.Handler(c, fn), http.MethodPost, "/api/inngest?fnId=app-nondet&stepId=step", []byte(body), nil)
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	out := logs.String()
	require.Contains(t, out, "deterministic")
	require.Contains(t, out, old)
	require.Contains(t, out, "renamed")
}

// Two parallel branches that use the same step id get a clear error instead of
// colliding hashes; nested steps and steps after the call ended get errors too.
func TestStepMisuseErrors(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{AppID: "app"})
	var mu sync.Mutex
	var seen []error
	record := func(err error) {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
	}
	var leaked context.Context
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "misuse"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) (string, error) {
			leaked = ctx
			_, err := step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
				_, err := step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil })
				record(err)
				return 1, nil
			})
			return "", err
		})
	require.NoError(t, err)
	rec := do(serve.Handler(c, fn), http.MethodPost, "/api/inngest?fnId=app-misuse&stepId=step", callBody(`{}`), nil)
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	require.Len(t, seen, 1)
	require.ErrorIs(t, seen[0], step.ErrNestedStep)
	_, err = step.Run(leaked, "late", func(ctx context.Context) (int, error) { return 1, nil })
	require.ErrorIs(t, err, step.ErrRunEnded)
	_, err = step.Run(context.Background(), "nowhere", func(ctx context.Context) (int, error) { return 1, nil })
	require.ErrorIs(t, err, step.ErrNotInFunction)

	dup, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "dup"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) ([]int, error) {
			branch := func(ctx context.Context) (int, error) {
				return step.Run(ctx, "same", func(ctx context.Context) (int, error) { return 1, nil })
			}
			out, err := step.Parallel(ctx, branch, branch)
			if errors.Is(err, step.ErrDuplicateID) {
				return nil, inngest.NoRetry(err)
			}
			return out, err
		})
	require.NoError(t, err)
	rec = do(serve.Handler(c, dup), http.MethodPost, "/api/inngest?fnId=app-dup&stepId=step", callBody(`{}`), nil)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "distinct ids")
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
}
