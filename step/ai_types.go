package step

// OpenAIMessage is one message of an OpenAI chat conversation.
type OpenAIMessage struct {
	// Role is "system", "user", "assistant" or "tool".
	Role string `json:"role"`
	// Content is the message text.
	Content string `json:"content"`
}

// OpenAIChatRequest is an OpenAI-compatible chat completions request (the
// fields most calls use).
type OpenAIChatRequest struct {
	// Model names the model, e.g. "gpt-4o-mini".
	Model string `json:"model"`
	// Messages is the conversation.
	Messages []OpenAIMessage `json:"messages"`
	// MaxTokens bounds the answer; 0 leaves the provider's default.
	MaxTokens int `json:"max_tokens,omitempty"`
	// Temperature is the sampling temperature; 0 leaves the provider's
	// default.
	Temperature float64 `json:"temperature,omitempty"`
}

// OpenAIChatResponse is an OpenAI-compatible chat completions answer.
type OpenAIChatResponse struct {
	// ID is the completion's id, Model the model that answered.
	ID    string `json:"id"`
	Model string `json:"model"`
	// Choices are the answers.
	Choices []OpenAIChoice `json:"choices"`
	// Usage counts the tokens.
	Usage OpenAIUsage `json:"usage"`
}

// OpenAIChoice is one answer of a chat completion.
type OpenAIChoice struct {
	// Index is the choice's position.
	Index int `json:"index"`
	// Message is the answer.
	Message OpenAIMessage `json:"message"`
	// FinishReason says why the model stopped, e.g. "stop".
	FinishReason string `json:"finish_reason"`
}

// OpenAIUsage counts the tokens of a chat completion.
type OpenAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Text returns the first choice's content, or "".
func (r OpenAIChatResponse) Text() string {
	if len(r.Choices) == 0 {
		return ""
	}
	return r.Choices[0].Message.Content
}

// AnthropicMessage is one message of an Anthropic conversation.
type AnthropicMessage struct {
	// Role is "user" or "assistant".
	Role string `json:"role"`
	// Content is the message text.
	Content string `json:"content"`
}

// AnthropicRequest is an Anthropic messages request (the fields most calls
// use).
type AnthropicRequest struct {
	// Model names the model, e.g. "claude-sonnet-4-5".
	Model string `json:"model"`
	// MaxTokens bounds the answer (required by the API).
	MaxTokens int `json:"max_tokens"`
	// System is the system prompt; empty sends none.
	System string `json:"system,omitempty"`
	// Messages is the conversation.
	Messages []AnthropicMessage `json:"messages"`
	// Temperature is the sampling temperature; 0 leaves the provider's
	// default.
	Temperature float64 `json:"temperature,omitempty"`
}

// AnthropicResponse is an Anthropic messages answer.
type AnthropicResponse struct {
	// ID is the message's id, Model the model that answered.
	ID    string `json:"id"`
	Type  string `json:"type"`
	Role  string `json:"role"`
	Model string `json:"model"`
	// Content holds the answer's blocks.
	Content []AnthropicContent `json:"content"`
	// StopReason says why the model stopped, e.g. "end_turn".
	StopReason string `json:"stop_reason"`
	// Usage counts the tokens.
	Usage AnthropicUsage `json:"usage"`
}

// AnthropicContent is one block of an Anthropic answer.
type AnthropicContent struct {
	// Type is the block's type, e.g. "text".
	Type string `json:"type"`
	// Text is the text of a text block.
	Text string `json:"text,omitempty"`
}

// AnthropicUsage counts the tokens of an Anthropic answer.
type AnthropicUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Text returns the answer's text blocks joined, or "".
func (r AnthropicResponse) Text() string {
	s := ""
	for _, c := range r.Content {
		if c.Type == "text" {
			s += c.Text
		}
	}
	return s
}
