package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// bigSteps runs n steps, each returning a string of size bytes, and counts how
// often each step's code ran.
func bigSteps(n, size int, ran *sync.Map) inngest.Handler[anyData, int] {
	return func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
		total := 0
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("big%d", i)
			v, err := step.Run(ctx, id, func(ctx context.Context) (string, error) {
				c, _ := ran.LoadOrStore(id, new(int))
				*c.(*int)++
				return strings.Repeat(string(rune('a'+i)), size), nil
			})
			if err != nil {
				return 0, err
			}
			total += len(v)
		}
		return total, nil
	}
}

func ranCount(ran *sync.Map, id string) int {
	c, ok := ran.Load(id)
	if !ok {
		return 0
	}
	return *c.(*int)
}

// TestFallbackResponseWithinServerLimit: the checkpoint API fails, so the three
// buffered 3 MiB steps go out in the 206, which would be 9 MiB, over the
// server's 8 MiB limit (it fails such a response as a whole, every retry of
// it too). The SDK reports the steps that fit, in order; the next call replays
// them and runs the one left out again.
func TestFallbackResponseWithinServerLimit(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("streaming=%t", streaming), func(t *testing.T) {
			t.Parallel()
			var ran sync.Map
			const size = 3 << 20
			c, logs := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Streaming: streaming,
				Checkpoint: inngest.CheckpointOptions{BatchSteps: 3, BatchInterval: time.Hour}})
			h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "big"}, inngest.OnEvent(evTest), bigSteps(4, size, &ran)))
			rec := post(h, "wirecap-big", "", call{}.body())
			body := rec.Body.Bytes()
			require.LessOrEqual(t, len(body), wire.MaxResponseBytes, "the whole response, keep-alive envelope included")
			if streaming {
				require.Equal(t, http.StatusCreated, rec.Code)
				var env struct {
					Status int             `json:"status"`
					Body   json.RawMessage `json:"body"`
				}
				require.NoError(t, json.Unmarshal(body, &env))
				require.Equal(t, 206, env.Status)
				body = env.Body
			} else {
				require.Equal(t, 206, rec.Code, "%.300s", body)
			}
			ops := decodeOps(t, body)
			require.Len(t, ops, 2, "two 3 MiB steps fit in 8 MiB, three do not")
			for i, op := range ops {
				require.Equal(t, "StepRun", op.Op)
				require.Equal(t, fmt.Sprintf("big%d", i+1), op.Name, "the first steps, in order")
				var v string
				require.NoError(t, json.Unmarshal(op.Data, &v))
				require.Len(t, v, size)
			}
			require.Contains(t, logs.String(), "over the server's size limit")
			require.Equal(t, 1, ranCount(&ran, "big3"))

			// The next call has the two reported steps' memos: big3 runs again.
			steps := fmt.Sprintf(`{%q:{"data":%s},%q:{"data":%s}}`,
				wire.HashID("big1", 0), ops[0].Data, wire.HashID("big2", 0), ops[1].Data)
			rec = post(h, "wirecap-big", "", call{Steps: steps}.body())
			require.LessOrEqual(t, rec.Body.Len(), wire.MaxResponseBytes)
			require.Equal(t, 1, ranCount(&ran, "big1"), "memoized")
			require.Equal(t, 2, ranCount(&ran, "big3"), "the step left out runs again")
			require.Equal(t, 1, ranCount(&ran, "big4"))
		})
	}
}

// TestOversizedStepOutput: a step result over the server's 4 MiB per-step
// limit is never sent (the server would fail the whole response, and every
// retry of it): the step fails for good, saying why, and the function sees a
// StepError it can handle. With checkpointing the op is not checkpointed
// either (the server refuses it with 413).
func TestOversizedStepOutput(t *testing.T) {
	t.Parallel()
	for _, checkpoint := range []bool{false, true} {
		t.Run(fmt.Sprintf("checkpoint=%t", checkpoint), func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, nil)
			opts := inngest.ClientOptions{APIBaseURL: api.URL}
			if checkpoint {
				opts.Checkpoint = inngest.CheckpointOptions{BatchSteps: 1}
			}
			c, _ := devClient(t, opts)
			var got error
			h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "huge"}, inngest.OnEvent(evTest),
				func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
					if _, err := step.Run(ctx, "small", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
						return "", err
					}
					_, err := step.Run(ctx, "huge", func(ctx context.Context) (string, error) {
						return strings.Repeat("<", wire.MaxStepOutputBytes/6), nil // 4 MiB once encoding/json escapes it
					})
					got = err
					return "handled", nil
				}))
			small := fmt.Sprintf(`{%q:{"data":1}}`, wire.HashID("small", 0))
			rec := post(h, "wirecap-huge", "", call{Steps: small}.body())
			require.Equal(t, 206, rec.Code, "%.300s", rec.Body.String())
			require.Less(t, rec.Body.Len(), 4096)
			require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"), "a retry gives the same output")
			ops := decodeOps(t, rec.Body.Bytes())
			require.Len(t, ops, 1)
			require.Equal(t, "StepFailed", ops[0].Op)
			require.Equal(t, "huge", ops[0].Name)
			require.Contains(t, ops[0].Error.Message, "output is 4194311 bytes, the limit is 4194304")
			for _, cp := range api.requests("/v1/checkpoint/") {
				require.NotContains(t, string(cp.Body), `"huge"`, "never checkpointed")
			}

			// Replayed, the failure is the step's error.
			var e struct {
				Error json.RawMessage `json:"error"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes()[1:rec.Body.Len()-1], &e))
			steps := fmt.Sprintf(`{%q:{"data":1},%q:{"error":%s}}`, wire.HashID("small", 0), wire.HashID("huge", 0), e.Error)
			rec = post(h, "wirecap-huge", "", call{Steps: steps}.body())
			require.Equal(t, 200, rec.Code, rec.Body.String())
			var se *inngest.StepError
			require.True(t, errors.As(got, &se), "%v", got)
			require.Equal(t, "StepOutputTooLarge", se.Name)
		})
	}
}

// TestOversizedResultAndErrors: a function result over the response limit is
// a non-retriable error saying so (the server would fail it and every retry
// with output_too_large); a step error with a huge message is sent shortened.
func TestOversizedResultAndErrors(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c,
		mustFn(t, c, inngest.FunctionOpts{ID: "bigresult"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				return strings.Repeat("x", wire.MaxResponseBytes), nil
			}),
		mustFn(t, c, inngest.FunctionOpts{ID: "bigerror"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				return step.Run(ctx, "fails", func(ctx context.Context) (string, error) {
					return "", errors.New(strings.Repeat("é", wire.MaxStepOutputBytes))
				})
			}))
	rec := post(h, "wirecap-bigresult", "", call{}.body())
	require.Equal(t, 400, rec.Code)
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
	require.Contains(t, rec.Body.String(), `"name":"OutputTooLarge"`)
	require.Contains(t, rec.Body.String(), "over the server's limit of 8388608")

	rec = post(h, "wirecap-bigerror", "", call{}.body())
	require.Equal(t, 206, rec.Code)
	require.Less(t, rec.Body.Len(), wire.MaxStepOutputBytes)
	ops := decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1)
	require.Equal(t, "StepError", ops[0].Op)
	require.True(t, strings.HasSuffix(ops[0].Error.Message, "é …(truncated)"), "cut on a rune boundary: %q", ops[0].Error.Message[len(ops[0].Error.Message)-20:])
}
