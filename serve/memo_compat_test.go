package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// stepOutcome reports a step tool's result, or its error's kind and message, as
// the function's output.
func stepOutcome(v any, err error) (any, error) {
	var se *inngest.StepError
	var fe *step.FetchTransportError
	var ae *step.AIError
	switch {
	case errors.As(err, &se):
		return map[string]any{"step_error": se.Name + ": " + se.Message, "data": json.RawMessage(orNull(se.Data))}, nil
	case errors.As(err, &fe):
		return map[string]any{"fetch_error": fe.Message}, nil
	case errors.As(err, &ae):
		return map[string]any{"ai_error": ae.Message}, nil
	case err != nil:
		return nil, err
	}
	return v, nil
}

func orNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

type memoStep func(ctx context.Context) (any, error)

var (
	runAny memoStep = func(ctx context.Context) (any, error) {
		return stepOutcome(step.Run(ctx, "s", func(ctx context.Context) (any, error) { return "ran", nil }))
	}
	runInt memoStep = func(ctx context.Context) (any, error) {
		return stepOutcome(step.Run(ctx, "s", func(ctx context.Context) (int, error) { return -1, nil }))
	}
	sendEvent memoStep = func(ctx context.Context) (any, error) {
		return stepOutcome(step.SendEvent(ctx, "s", evTest.New(anyData{})))
	}
	sleepStep memoStep = func(ctx context.Context) (any, error) {
		return "slept", step.Sleep(ctx, "s", time.Minute)
	}
	waitStep memoStep = func(ctx context.Context) (any, error) {
		ev, ok, err := step.WaitForEvent(ctx, "s", evTest, time.Minute)
		if err != nil || !ok {
			return map[string]any{"received": ok}, err
		}
		return map[string]any{"received": ok, "name": ev.Name, "id": ev.ID, "data": ev.Data}, nil
	}
	signalStep memoStep = func(ctx context.Context) (any, error) {
		sig, ok, err := step.WaitForSignal[map[string]int](ctx, "s", "sig", time.Minute)
		return map[string]any{"received": ok, "signal": sig.Name, "data": sig.Data}, err
	}
	invokeStep memoStep = func(ctx context.Context) (any, error) {
		return stepOutcome(step.Invoke(ctx, "s", inngest.Ref[anyData, map[string]int]("other-app-fn"), anyData{}, time.Minute))
	}
	fetchStep memoStep = func(ctx context.Context) (any, error) {
		res, err := step.Fetch(ctx, "s", step.FetchRequest{URL: "https://example.com/x"})
		if err != nil {
			return stepOutcome(nil, err)
		}
		return map[string]any{"status": res.StatusCode, "body": string(res.Body), "type": res.Header.Get("Content-Type")}, nil
	}
	inferStep memoStep = func(ctx context.Context) (any, error) {
		res, err := step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "s", step.OpenAI("k", ""), step.OpenAIChatRequest{Model: "m"})
		if err != nil {
			return stepOutcome(nil, err)
		}
		return map[string]any{"id": res.ID}, nil
	}
)

// TestMemoShapesOfOtherSDKs replays, through the real handler, the memo of one
// step in every shape the server stores for what the official Go SDK
// (inngestgo) and the JavaScript SDK (inngest-js) report. The facts are cited
// per case; the table of shapes is in step/memo.go.
func TestMemoShapesOfOtherSDKs(t *testing.T) {
	t.Parallel()
	const event = `{"data":{"k":1},"id":"01KWAITED0000000000000000","name":"wirecap/test","ts":1767225600000,"user":{}}`
	for _, tc := range []struct {
		name string
		step memoStep
		memo string
		want string
	}{
		// The server wraps a StepRun op's data in {"data": …} (inngest
		// pkg/execution/state/opcode.go, GeneratorOpcode.Output).
		{"run/data", runInt, `{"data":42}`, `42`},
		{"run/data-null", runInt, `{"data":null}`, `0`},
		{"run/null", runInt, `null`, `0`},
		// A legacy "Step" op's data is stored as reported, unwrapped (same
		// file); inngest-js api/schema.ts stepSchema takes any other value as
		// the data, and inngestgo step/run.go decodes an unwrapped value as T.
		{"run/bare-number", runInt, `42`, `42`},
		{"run/bare-object", runAny, `{"a":1}`, `{"a":1}`},
		{"run/bare-object-with-data-key", runAny, `{"data":[1],"object":"list"}`, `{"data":[1],"object":"list"}`},
		// inngest-js api/schema.ts: {"type":"data","data":…} as the steps API returns it.
		{"run/typed-data", runInt, `{"type":"data","data":7}`, `7`},
		{"run/data-and-input", runInt, `{"data":7,"input":[1]}`, `7`},
		// StepFailed from inngestgo: {"error":{"name":"Step failed","message":…,"data":…}}
		// (testdata/wire/step-fails-final.jsonl).
		{"run/error", runInt, `{"error":{"name":"Step failed","message":"boom","data":{"x":1}}}`, `{"step_error":"Step failed: boom","data":{"x":1}}`},
		// inngest-js types.ts jsonErrorSchema: a missing name is "Error", a
		// missing message is the "error" field, else "Unknown error"; a value
		// that is not an object reads as {}.
		{"run/error-only-error-field", runInt, `{"error":{"error":"timed out"}}`, `{"step_error":"Error: timed out","data":null}`},
		{"run/error-empty", runInt, `{"error":{}}`, `{"step_error":"Error: Unknown error","data":null}`},
		{"run/error-string", runInt, `{"error":"boom"}`, `{"step_error":"Error: boom","data":null}`},
		// The fast path for {"data":…} must not take a memo with an error beside it.
		{"run/data-null-and-error", runInt, `{"data":null,"error":{"name":"E","message":"x"}}`, `{"step_error":"E: x","data":null}`},
		{"run/error-odd-fields", runInt, `{"error":{"name":"TypeError","message":"m","stack":["not","a","string"]}}`, `{"step_error":"TypeError: m","data":null}`},

		// SendEvent: inngestgo step.Send records one id (testdata/wire/send-event.jsonl #6),
		// inngestgo step.SendMany a list, inngest-js step.sendEvent {"ids": […]}
		// (InngestStepTools.ts sendEvent returns client._send's SendEventBaseOutput, types.ts).
		{"send/go-one-id", sendEvent, `{"data":"01M8CTENRC0JY5F72PC6NNTZ0N"}`, `["01M8CTENRC0JY5F72PC6NNTZ0N"]`},
		{"send/list", sendEvent, `{"data":["a","b"]}`, `["a","b"]`},
		{"send/js-ids", sendEvent, `{"data":{"ids":["a","b"]}}`, `["a","b"]`},
		{"send/null", sendEvent, `{"data":null}`, `null`},

		// Sleep: the server stores null (testdata/wire/checkpoint-sleep.jsonl).
		{"sleep/null", sleepStep, `null`, `"slept"`},
		{"sleep/data-null", sleepStep, `{"data":null}`, `"slept"`},

		// WaitForEvent: the event itself, or null on timeout (testdata/wire/wait-match.jsonl,
		// wait-timeout.jsonl; inngestgo step/wait_for_event.go treats null as not received).
		{"wait/event", waitStep, event, `{"received":true,"name":"wirecap/test","id":"01KWAITED0000000000000000","data":{"k":1}}`},
		{"wait/null", waitStep, `null`, `{"received":false}`},
		{"wait/wrapped-event", waitStep, `{"data":` + event + `}`, `{"received":true,"name":"wirecap/test","id":"01KWAITED0000000000000000","data":{"k":1}}`},
		{"wait/wrapped-null", waitStep, `{"data":null}`, `{"received":false}`},

		// WaitForSignal: {"data":{"signal":…,"data":…}} (inngest executor.go
		// ResumeSignal stores state.SignalStepReturn under "data"; inngestgo
		// step/wait_for_signal.go rawSignalResult), null on timeout.
		{"signal/data", signalStep, `{"data":{"signal":"sig","data":{"k":2}}}`, `{"received":true,"signal":"sig","data":{"k":2}}`},
		{"signal/null", signalStep, `null`, `{"received":false,"signal":"","data":null}`},

		// Invoke: {"data": result} or {"error": …} (inngestgo step/invoke.go
		// reads both keys; the timeout error is the server's).
		{"invoke/data", invokeStep, `{"data":{"n":3}}`, `{"n":3}`},
		{"invoke/error", invokeStep, `{"error":{"name":"InngestInvokeTimeoutError","message":"Timed out waiting for invoked function to complete"}}`,
			`{"step_error":"InngestInvokeTimeoutError: Timed out waiting for invoked function to complete","data":null}`},
		{"invoke/error-field", invokeStep, `{"error":{"error":"function failed","message":"child broke","name":"Error"}}`, `{"step_error":"Error: child broke","data":null}`},

		// Fetch and Infer: {"data": response} or {"error": …}; inngestgo
		// step/fetch.go and step/infer.go also take an unwrapped response.
		{"fetch/data", fetchStep, `{"data":{"url":"https://example.com/x","status_code":200,"headers":{"content-type":"text/plain"},"body":"hi"}}`, `{"status":200,"body":"hi","type":"text/plain"}`},
		{"fetch/bare", fetchStep, `{"url":"https://example.com/x","status_code":200,"headers":{},"body":"hi"}`, `{"status":200,"body":"hi","type":""}`},
		{"fetch/error", fetchStep, `{"error":{"name":"Error","message":"dial failed"}}`, `{"fetch_error":"dial failed"}`},
		{"infer/data", inferStep, `{"data":{"id":"chatcmpl-1","object":"chat.completion","choices":[]}}`, `{"id":"chatcmpl-1"}`},
		{"infer/bare", inferStep, `{"id":"chatcmpl-2","object":"chat.completion","choices":[]}`, `{"id":"chatcmpl-2"}`},
		{"infer/error", inferStep, `{"error":{"message":"unsuccessful status code: 429"}}`, `{"ai_error":"unsuccessful status code: 429"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, logs := devClient(t, inngest.ClientOptions{Checkpoint: inngest.CheckpointOptions{Disabled: true}})
			st := tc.step
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "memo"}, inngest.OnEvent(evTest),
				func(ctx context.Context, _ inngest.Input[anyData]) (any, error) { return st(ctx) })
			require.NoError(t, err)
			h, err := serve.New(c, serve.Options{}, fn)
			require.NoError(t, err)
			steps := `{` + strconv.Quote(wire.HashID("s", 0)) + `:` + tc.memo + `}`
			rec := post(h, "memo", "", call{Steps: steps}.body())
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String()+logs.String())
			require.JSONEq(t, tc.want, rec.Body.String())
		})
	}
}
