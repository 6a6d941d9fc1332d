package inngesttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// aiProvider is a local stand-in for OpenAI and Anthropic: it checks where
// the key is sent and echoes the last message.
func aiProvider(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		_ = json.Unmarshal(b, &req)
		last := ""
		if n := len(req.Messages); n > 0 {
			last = req.Messages[n-1].Content
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/chat/completions" && r.Header.Get("Authorization") == "Bearer sk-openai" && r.Method == http.MethodPost:
			_, _ = fmt.Fprintf(w, `{"id":"c1","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"openai: %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`, req.Model, last)
		case r.URL.Path == "/v1/messages" && r.Header.Get("X-Api-Key") == "sk-ant" && r.Header.Get("Anthropic-Version") == "2023-06-01":
			_, _ = fmt.Fprintf(w, `{"id":"m1","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"claude: %s"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}`, req.Model, last)
		default:
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"message":"rate limited"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestE2EAIInfer: the engine sends OpenAI and Anthropic requests with the key
// where each format wants it and memoizes the provider's JSON; a non-2xx
// answer is a *step.AIError carrying the body.
func TestE2EAIInfer(t *testing.T) {
	t.Parallel()
	prov := aiProvider(t)
	env := inngesttest.Start(t, inngesttest.Options{})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "ai"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			o, err := step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "openai", step.OpenAI("sk-openai", prov.URL+"/v1"),
				step.OpenAIChatRequest{Model: "gpt-x", Messages: []step.OpenAIMessage{{Role: "user", Content: "hi"}}})
			if err != nil {
				return "", err
			}
			a, err := step.Infer[step.AnthropicRequest, step.AnthropicResponse](ctx, "claude", step.Anthropic("sk-ant", prov.URL),
				step.AnthropicRequest{Model: "claude-x", MaxTokens: 10, Messages: []step.AnthropicMessage{{Role: "user", Content: "hello"}}})
			if err != nil {
				return "", err
			}
			_, err = step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "bad-key", step.OpenAI("sk-wrong", prov.URL+"/v1"),
				step.OpenAIChatRequest{Model: "gpt-x"})
			var ae *step.AIError
			if !errors.As(err, &ae) {
				return "", fmt.Errorf("want an AIError, got %v", err)
			}
			return fmt.Sprintf("%s | %d | %s | %s | %s", o.Text(), o.Usage.TotalTokens, a.Text(), ae.Message, ae.Body), nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"openai: hi | 5 | claude: hello | Error making AI request: unsuccessful status code: 429 | {\"error\":{\"message\":\"rate limited\"}}"`)
	s, ok := run.Step("openai")
	require.True(t, ok)
	require.JSONEq(t, `{"data":{"id":"c1","model":"gpt-x","choices":[{"index":0,"message":{"role":"assistant","content":"openai: hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}}`, string(s.Result))
	// The history records the token counts as the server's "inngest.ai"
	// metadata has them; the failed request (an error body) records none.
	require.Equal(t, &runtype.AIMetadata{Provider: "openai-chat", RequestModel: "gpt-x", ResponseModel: "gpt-x", InputTokens: 3, OutputTokens: 2, TotalTokens: 5}, gatewayAI(t, run, "openai"))
	require.Equal(t, &runtype.AIMetadata{Provider: "anthropic", RequestModel: "claude-x", ResponseModel: "claude-x", InputTokens: 3, OutputTokens: 2, TotalTokens: 5}, gatewayAI(t, run, "claude"))
	require.Nil(t, gatewayAI(t, run, "bad-key"))
}

// TestE2EAIWrap: a model call the function makes itself runs once as a step.
func TestE2EAIWrap(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	calls := 0
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "ai-wrap"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			prompt := "summarise " + in.Event.Data.User
			out, err := step.Wrap(ctx, "summarise", func(ctx context.Context) (string, error) {
				calls++
				return "summary of " + prompt, nil
			}, prompt)
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "pause", 1); err != nil {
				return "", err
			}
			return out, nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `"summary of summarise u1"`)
	require.Equal(t, 1, calls)
}

// TestE2EGatewayRetried: as on the server, a failed AI request (a non-2xx
// answer) and a fetch that cannot be made are retried after the backoff
// while the run has attempts left; the step gets the later answer, or the
// error once the attempts are spent.
func TestE2EGatewayRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"id":"c2","choices":[{"index":0,"message":{"role":"assistant","content":"second try"}}]}`))
	}))
	t.Cleanup(prov.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	env := inngesttest.Start(t, inngesttest.Options{})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "ai-retry", Retries: 2}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			o, err := step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "ask", step.OpenAI("k", prov.URL), step.OpenAIChatRequest{Model: "m"})
			if err != nil {
				return "", err
			}
			_, err = step.Fetch(ctx, "down", step.FetchRequest{URL: down.URL})
			var te *step.FetchTransportError
			return fmt.Sprintf("%s %t", o.Text(), errors.As(err, &te)), nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"second try true"`)
	require.Equal(t, int32(2), hits.Load())
	retries := historyDetails(run, "retry")
	require.Len(t, retries, 3, "one AI retry, two fetch retries (3 attempts)")
}
