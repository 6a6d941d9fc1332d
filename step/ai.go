package step

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// AI request formats. The server's gateway reads four of them
// (aigateway.Format*): "openai-chat", "anthropic" (key in x-api-key),
// "gemini" (key in the URL's ?key=) and "bedrock" (key sent as the whole
// Authorization header); any other format is sent as OpenAI chat is (key as
// "Authorization: Bearer"). The other names are the ones the JavaScript SDK
// sends for those providers, which the server records as the provider of
// the request.
const (
	// AIFormatOpenAIChat is OpenAI's chat completions API and the APIs
	// compatible with it (DeepSeek uses it too).
	AIFormatOpenAIChat = "openai-chat"
	// AIFormatAnthropic is Anthropic's messages API.
	AIFormatAnthropic = "anthropic"
	// AIFormatGemini is Google's Gemini generateContent API.
	AIFormatGemini = "gemini"
	// AIFormatBedrock is Amazon Bedrock's Converse API.
	AIFormatBedrock = "bedrock"
	// AIFormatOpenAIResponses is OpenAI's Responses API.
	AIFormatOpenAIResponses = "openai-responses"
	// AIFormatAzureOpenAI is Azure OpenAI's chat completions API.
	AIFormatAzureOpenAI = "azure-openai"
	// AIFormatGrok is xAI's Grok chat completions API.
	AIFormatGrok = "grok"
)

// AIModel says where Inngest sends an inference request and how: the
// endpoint URL, the provider's format (which decides how APIKey is sent) and
// extra headers. Build one with OpenAI, Anthropic, Gemini, Bedrock,
// OpenAIResponses, AzureOpenAI, Grok or DeepSeek.
type AIModel struct {
	// Format is one of the AIFormat constants; default AIFormatOpenAIChat.
	Format string
	// URL is the full endpoint URL.
	URL string
	// APIKey is the provider's key, sent where Format wants it: as
	// "x-api-key" for AIFormatAnthropic, as the URL's ?key= for
	// AIFormatGemini, as the whole Authorization header for
	// AIFormatBedrock, as "Authorization: Bearer" for the others.
	APIKey string
	// Header holds extra headers.
	Header map[string]string
}

// OpenAI returns the model settings of an OpenAI-compatible chat completions
// endpoint: baseURL + "/chat/completions" (baseURL default
// "https://api.openai.com/v1").
func OpenAI(apiKey, baseURL string) AIModel {
	return AIModel{Format: AIFormatOpenAIChat, URL: apiURL(baseURL, "https://api.openai.com/v1") + "/chat/completions", APIKey: apiKey}
}

// Anthropic returns the model settings of Anthropic's messages endpoint:
// baseURL + "/v1/messages" (baseURL default "https://api.anthropic.com"),
// with the anthropic-version header.
func Anthropic(apiKey, baseURL string) AIModel {
	return AIModel{Format: AIFormatAnthropic, URL: apiURL(baseURL, "https://api.anthropic.com") + "/v1/messages", APIKey: apiKey,
		Header: map[string]string{"anthropic-version": "2023-06-01"}}
}

// AIError is returned by Infer when the provider answered with a non-2xx
// status or could not be reached (the server retries first while the call
// has attempts left).
type AIError struct {
	// StepID is the step's id.
	StepID string
	// Message is the server's description, e.g. "Error making AI request:
	// unsuccessful status code: 429".
	Message string
	// Body is the provider's answer, if any.
	Body []byte
}

// Error describes the failure.
func (e *AIError) Error() string {
	return fmt.Sprintf("inngest: AI step %q failed: %s", e.StepID, e.Message)
}

// Infer has Inngest send req to the model's endpoint (an AIGateway op) and
// memoizes the provider's answer, decoded into Resp: use the request and
// response types of the model's format (OpenAIChatRequest and
// OpenAIChatResponse for OpenAI, AzureOpenAI, Grok and DeepSeek;
// AnthropicRequest and AnthropicResponse; GeminiRequest and GeminiResponse;
// BedrockRequest and BedrockResponse; OpenAIResponsesRequest and
// OpenAIResponsesResponse), or your own types. A failed request is an
// *AIError.
func Infer[Req, Resp any](ctx context.Context, id string, model AIModel, req Req) (Resp, error) {
	var zero Resp
	body, err := jsoncodec.Marshal(req)
	if err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: AI step %q: encoding the request: %w", id, err))
	}
	if model.URL == "" {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: AI step %q: the model has no URL", id))
	}
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return zero, err
	}
	if raw, ok := s.Memo(); ok {
		out, err := decodeMemo[Resp](&s, raw)
		var se *inngest.StepError
		if errors.As(err, &se) {
			return zero, &AIError{StepID: id, Message: se.Message, Body: se.Data}
		}
		return out, err
	}
	if err := s.DecideAsync(); err != nil {
		return zero, err
	}
	format := model.Format
	if format == "" {
		format = AIFormatOpenAIChat
	}
	o := struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers,omitempty"`
		AuthKey string            `json:"auth_key,omitempty"`
		Format  string            `json:"format"`
		Body    json.RawMessage   `json:"body"`
	}{URL: model.URL, Headers: model.Header, AuthKey: model.APIKey, Format: format, Body: body}
	b, _ := jsoncodec.Marshal(o)
	s.Stop(&wire.Op{Op: wire.OpAIGateway, ID: s.Hash, Name: id, DisplayName: id, Opts: b, Userland: s.Userland()})
	return zero, nil
}

// Wrap runs fn, a model call the function makes itself, as a step recorded
// with the type step.ai.wrap and input (a JSON array of the call's
// arguments, as the server's UI expects), so it shows as an AI step. Apart
// from that it is Run.
func Wrap[T any](ctx context.Context, id string, fn func(ctx context.Context) (T, error), input ...any) (T, error) {
	if input == nil {
		input = []any{}
	}
	in, err := jsoncodec.Marshal(input)
	if err != nil {
		var zero T
		return zero, inngest.NoRetry(fmt.Errorf("inngest: AI step %q: encoding the input: %w", id, err))
	}
	opts, _ := jsoncodec.Marshal(wire.RunOpts{Type: "step.ai.wrap", Input: in})
	return runOpts(ctx, id, opts, fn)
}

// apiURL is baseURL without a trailing slash, or def when baseURL is empty.
func apiURL(baseURL, def string) string {
	if baseURL == "" {
		return def
	}
	return strings.TrimSuffix(baseURL, "/")
}
