package step

// BedrockContent is one block of a Bedrock Converse message.
type BedrockContent struct {
	// Text is the block's text.
	Text string `json:"text,omitempty"`
}

// BedrockMessage is one message of a Bedrock Converse conversation.
type BedrockMessage struct {
	// Role is "user" or "assistant".
	Role string `json:"role"`
	// Content holds the message's blocks.
	Content []BedrockContent `json:"content"`
}

// BedrockInferenceConfig tunes a Bedrock answer; a zero field leaves the
// provider's default.
type BedrockInferenceConfig struct {
	// MaxTokens bounds the answer.
	MaxTokens int `json:"maxTokens,omitempty"`
	// Temperature is the sampling temperature.
	Temperature float64 `json:"temperature,omitempty"`
	// TopP is the nucleus sampling bound.
	TopP float64 `json:"topP,omitempty"`
	// StopSequences end the answer.
	StopSequences []string `json:"stopSequences,omitempty"`
}

// BedrockRequest is a Bedrock Converse request (the fields most calls use);
// the model is part of the URL (see Bedrock).
type BedrockRequest struct {
	// Messages is the conversation.
	Messages []BedrockMessage `json:"messages"`
	// System holds the system prompt's blocks; nil sends none.
	System []BedrockContent `json:"system,omitempty"`
	// InferenceConfig tunes the answer; nil sends none.
	InferenceConfig *BedrockInferenceConfig `json:"inferenceConfig,omitempty"`
}

// BedrockResponse is a Bedrock Converse answer.
type BedrockResponse struct {
	// Output holds the answer.
	Output BedrockOutput `json:"output"`
	// StopReason says why the model stopped, e.g. "end_turn".
	StopReason string `json:"stopReason"`
	// Usage counts the tokens.
	Usage BedrockUsage `json:"usage"`
	// Metrics holds the provider's timing.
	Metrics BedrockMetrics `json:"metrics"`
}

// BedrockOutput is the output of a Bedrock Converse answer.
type BedrockOutput struct {
	// Message is the answer.
	Message BedrockMessage `json:"message"`
}

// BedrockUsage counts the tokens of a Bedrock answer.
type BedrockUsage struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
	TotalTokens  int `json:"totalTokens"`
}

// BedrockMetrics is the provider's timing of a Bedrock answer.
type BedrockMetrics struct {
	// LatencyMs is the model's latency in milliseconds.
	LatencyMs int `json:"latencyMs"`
}

// Text returns the answer's text blocks joined, or "".
func (r BedrockResponse) Text() string {
	s := ""
	for _, c := range r.Output.Message.Content {
		s += c.Text
	}
	return s
}
