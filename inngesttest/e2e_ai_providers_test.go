package inngesttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// providerRequest is what a stand-in provider saw of an inference request.
type providerRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// standInProvider answers every request with answer and records it.
func standInProvider(t *testing.T, answer string) (*httptest.Server, func() []providerRequest) {
	var mu sync.Mutex
	var seen []providerRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, providerRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []providerRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]providerRequest(nil), seen...)
	}
}

// gatewayAI returns the AI metadata of the step's "gateway" history entry.
func gatewayAI(t *testing.T, run runtype.Run, stepID string) *runtype.AIMetadata {
	t.Helper()
	s, ok := run.Step(stepID)
	require.True(t, ok)
	for _, h := range run.History {
		if h.Kind == "gateway" && h.StepID == s.ID {
			return h.AI
		}
	}
	t.Fatalf("no gateway entry for step %q in %+v", stepID, run.History)
	return nil
}

// TestE2EAIProviders: for each format beyond OpenAI chat and Anthropic
// messages, the engine sends the typed request to the provider's path with
// the key where the server puts it for that format (Gemini: ?key=; Bedrock:
// the whole Authorization header; the others: Bearer, Azure also api-key),
// the typed answer decodes, and the run's history records the AI metadata
// the server records (only for answers it reads as OpenAI chat).
func TestE2EAIProviders(t *testing.T) {
	t.Parallel()
	chatAnswer := `{"id":"c1","model":"served-model","choices":[{"index":0,"message":{"role":"assistant","content":"chat says hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":4,"total_tokens":11}}`
	chatReq := step.OpenAIChatRequest{Model: "asked-model", Messages: []step.OpenAIMessage{{Role: "user", Content: "hi"}}}
	chatBody := `{"model":"asked-model","messages":[{"role":"user","content":"hi"}]}`
	chat := func(ctx context.Context, m step.AIModel) (string, error) {
		r, err := step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "ask", m, chatReq)
		return fmt.Sprintf("%s %d", r.Text(), r.Usage.TotalTokens), err
	}
	cases := []struct {
		name       string
		model      func(base string) step.AIModel
		call       func(ctx context.Context, m step.AIModel) (string, error)
		answer     string
		wantOutput string
		wantPath   string
		wantQuery  string
		wantHeader map[string]string // "" means absent
		wantBody   string
		wantAI     *runtype.AIMetadata
	}{
		{
			name:  "gemini",
			model: func(base string) step.AIModel { return step.Gemini("g-key", "gemini-x", base+"/v1beta/") },
			call: func(ctx context.Context, m step.AIModel) (string, error) {
				r, err := step.Infer[step.GeminiRequest, step.GeminiResponse](ctx, "ask", m, step.GeminiRequest{
					Contents:         []step.GeminiContent{{Role: "user", Parts: []step.GeminiPart{{Text: "hi"}}}},
					GenerationConfig: &step.GeminiGenerationConfig{MaxOutputTokens: 20},
				})
				return fmt.Sprintf("%s %d", r.Text(), r.UsageMetadata.TotalTokenCount), err
			},
			answer:     `{"candidates":[{"content":{"role":"model","parts":[{"text":"gemini "},{"text":"says hi"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},"modelVersion":"gemini-x-001"}`,
			wantOutput: `"gemini says hi 5"`,
			wantPath:   "/v1beta/models/gemini-x:generateContent",
			wantQuery:  "key=g-key",
			wantHeader: map[string]string{"Authorization": "", "X-Api-Key": "", "Content-Type": "application/json"},
			wantBody:   `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":20}}`,
		},
		{
			name:  "bedrock",
			model: func(base string) step.AIModel { return step.Bedrock("Bearer br-key", base, "anthropic.claude-x-v1:0") },
			call: func(ctx context.Context, m step.AIModel) (string, error) {
				r, err := step.Infer[step.BedrockRequest, step.BedrockResponse](ctx, "ask", m, step.BedrockRequest{
					Messages:        []step.BedrockMessage{{Role: "user", Content: []step.BedrockContent{{Text: "hi"}}}},
					System:          []step.BedrockContent{{Text: "be brief"}},
					InferenceConfig: &step.BedrockInferenceConfig{MaxTokens: 20},
				})
				return fmt.Sprintf("%s %d %s", r.Text(), r.Usage.TotalTokens, r.StopReason), err
			},
			answer:     `{"output":{"message":{"role":"assistant","content":[{"text":"bedrock says hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":4,"outputTokens":3,"totalTokens":7},"metrics":{"latencyMs":12}}`,
			wantOutput: `"bedrock says hi 7 end_turn"`,
			wantPath:   "/model/anthropic.claude-x-v1:0/converse",
			wantHeader: map[string]string{"Authorization": "Bearer br-key", "Content-Type": "application/json"},
			wantBody:   `{"messages":[{"role":"user","content":[{"text":"hi"}]}],"system":[{"text":"be brief"}],"inferenceConfig":{"maxTokens":20}}`,
		},
		{
			name:  "openai-responses",
			model: func(base string) step.AIModel { return step.OpenAIResponses("sk-r", base+"/v1") },
			call: func(ctx context.Context, m step.AIModel) (string, error) {
				r, err := step.Infer[step.OpenAIResponsesRequest, step.OpenAIResponsesResponse](ctx, "ask", m, step.OpenAIResponsesRequest{
					Model: "asked-model", Instructions: "be brief", Input: []step.OpenAIMessage{{Role: "user", Content: "hi"}},
				})
				return fmt.Sprintf("%s %d %s", r.Text(), r.Usage.TotalTokens, r.Status), err
			},
			answer:     `{"id":"resp_1","object":"response","model":"served-model","status":"completed","output":[{"type":"reasoning","id":"rs_1"},{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"responses say hi"}]}],"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}}`,
			wantOutput: `"responses say hi 8 completed"`,
			wantPath:   "/v1/responses",
			wantHeader: map[string]string{"Authorization": "Bearer sk-r"},
			wantBody:   `{"model":"asked-model","input":[{"role":"user","content":"hi"}],"instructions":"be brief"}`,
		},
		{
			name:       "azure-openai",
			model:      func(base string) step.AIModel { return step.AzureOpenAI("az-key", base+"/", "dep-1", "2024-10-21") },
			call:       chat,
			answer:     chatAnswer,
			wantOutput: `"chat says hi 11"`,
			wantPath:   "/openai/deployments/dep-1/chat/completions",
			wantQuery:  "api-version=2024-10-21",
			wantHeader: map[string]string{"Api-Key": "az-key", "Authorization": "Bearer az-key"},
			wantBody:   chatBody,
			wantAI:     &runtype.AIMetadata{Provider: "azure-openai", RequestModel: "asked-model", ResponseModel: "served-model", InputTokens: 7, OutputTokens: 4, TotalTokens: 11},
		},
		{
			name:       "grok",
			model:      func(base string) step.AIModel { return step.Grok("xai-key", base+"/v1") },
			call:       chat,
			answer:     chatAnswer,
			wantOutput: `"chat says hi 11"`,
			wantPath:   "/v1/chat/completions",
			wantHeader: map[string]string{"Authorization": "Bearer xai-key"},
			wantBody:   chatBody,
			wantAI:     &runtype.AIMetadata{Provider: "grok", RequestModel: "asked-model", ResponseModel: "served-model", InputTokens: 7, OutputTokens: 4, TotalTokens: 11},
		},
		{
			name:       "deepseek",
			model:      func(base string) step.AIModel { return step.DeepSeek("ds-key", base+"/v1/") },
			call:       chat,
			answer:     chatAnswer,
			wantOutput: `"chat says hi 11"`,
			wantPath:   "/v1/chat/completions",
			wantHeader: map[string]string{"Authorization": "Bearer ds-key"},
			wantBody:   chatBody,
			wantAI:     &runtype.AIMetadata{Provider: "openai-chat", RequestModel: "asked-model", ResponseModel: "served-model", InputTokens: 7, OutputTokens: 4, TotalTokens: 11},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prov, seen := standInProvider(t, tc.answer)
			env := inngesttest.Start(t, inngesttest.Options{})
			env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "ai-" + tc.name}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					return tc.call(ctx, tc.model(prov.URL))
				}))
			ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireOutput(t, run, tc.wantOutput)
			reqs := seen()
			require.Len(t, reqs, 1)
			got := reqs[0]
			require.Equal(t, http.MethodPost, got.Method)
			require.Equal(t, tc.wantPath, got.Path)
			require.Equal(t, tc.wantQuery, got.Query)
			for k, v := range tc.wantHeader {
				require.Equal(t, v, got.Header.Get(k), "header %s", k)
			}
			require.JSONEq(t, tc.wantBody, got.Body)
			require.Equal(t, tc.wantAI, gatewayAI(t, run, "ask"))
		})
	}
}
