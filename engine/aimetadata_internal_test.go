package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/runtype"
)

// aiMetadata reads what the server's ExtractAIGatewayMetadata reads, and
// records nothing where the server records a parsing warning.
func TestAIMetadata(t *testing.T) {
	t.Parallel()
	chat := `{"model":"served","choices":[{"index":0}],"usage":{"prompt_tokens":2,"completion_tokens":5}}`
	cases := []struct {
		name, format, body, val string
		want                    *runtype.AIMetadata
	}{
		{"chat", "openai-chat", `{"model":"asked"}`, `{"data":` + chat + `}`,
			&runtype.AIMetadata{Provider: "openai-chat", RequestModel: "asked", ResponseModel: "served", InputTokens: 2, OutputTokens: 5, TotalTokens: 7}},
		{"unknown format reads as chat", "mistral", `{"model":"asked"}`, `{"data":` + chat + `}`,
			&runtype.AIMetadata{Provider: "mistral", RequestModel: "asked", ResponseModel: "served", InputTokens: 2, OutputTokens: 5, TotalTokens: 7}},
		{"a failed request's body is read too", "openai-chat", `{"model":"asked"}`, `{"error":{"name":"AIGatewayError","data":` + chat + `}}`,
			&runtype.AIMetadata{Provider: "openai-chat", RequestModel: "asked", ResponseModel: "served", InputTokens: 2, OutputTokens: 5, TotalTokens: 7}},
		{"anthropic", "anthropic", `{"model":"asked"}`, `{"data":{"type":"message","model":"served","usage":{"input_tokens":1,"output_tokens":1}}}`,
			&runtype.AIMetadata{Provider: "anthropic", RequestModel: "asked", ResponseModel: "served", InputTokens: 1, OutputTokens: 1, TotalTokens: 2}},
		{"anthropic error", "anthropic", `{"model":"asked"}`, `{"error":{"data":{"type":"error","error":{"type":"overloaded_error"}}}}`, nil},
		{"no choices", "openai-chat", `{"model":"asked"}`, `{"data":{"model":"m","choices":[]}}`, nil},
		{"gemini answer", "gemini", `{"contents":[]}`, `{"data":{"candidates":[{"index":0}],"usageMetadata":{"totalTokenCount":3}}}`, nil},
		{"answer not JSON", "openai-chat", `{"model":"asked"}`, `{"data":"<html>"}`, nil},
		{"body not an object", "openai-chat", `[1]`, `{"data":` + chat + `}`, nil},
		{"model of the wrong type", "openai-chat", `{"model":1}`, `{"data":` + chat + `}`, nil},
		{"value not JSON", "openai-chat", `{"model":"asked"}`, `nope`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := aiMetadata(aiOpts{Format: tc.format, Body: json.RawMessage(tc.body)}, json.RawMessage(tc.val))
			require.Equal(t, tc.want, got)
		})
	}
}

// aiMetadata reads a provider's answer, untrusted input: it never panics.
func FuzzAIMetadata(f *testing.F) {
	f.Add("anthropic", `{"model":"m"}`, `{"data":{"type":"message","usage":{"input_tokens":1}}}`)
	f.Add("openai-chat", `{"model":"m"}`, `{"error":{"data":{"choices":[{}]}}}`)
	f.Fuzz(func(t *testing.T, format, body, val string) {
		md := aiMetadata(aiOpts{Format: format, Body: json.RawMessage(body)}, json.RawMessage(val))
		if md != nil {
			require.Equal(t, format, md.Provider)
			require.Equal(t, md.InputTokens+md.OutputTokens, md.TotalTokens)
		}
	})
}
