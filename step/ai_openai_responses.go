package step

// OpenAIResponsesRequest is an OpenAI Responses API request (the fields
// most calls use).
type OpenAIResponsesRequest struct {
	// Model names the model, e.g. "gpt-4o-mini".
	Model string `json:"model"`
	// Input is the conversation (messages with a role and text content).
	Input []OpenAIMessage `json:"input"`
	// Instructions is the system prompt; empty sends none.
	Instructions string `json:"instructions,omitempty"`
	// MaxOutputTokens bounds the answer; 0 leaves the provider's default.
	MaxOutputTokens int `json:"max_output_tokens,omitempty"`
	// Temperature is the sampling temperature; 0 leaves the provider's
	// default.
	Temperature float64 `json:"temperature,omitempty"`
}

// OpenAIResponsesResponse is an OpenAI Responses API answer.
type OpenAIResponsesResponse struct {
	// ID is the response's id, Model the model that answered.
	ID    string `json:"id"`
	Model string `json:"model"`
	// Status is "completed", "incomplete", ...
	Status string `json:"status"`
	// Output holds the answer's items.
	Output []OpenAIResponsesOutput `json:"output"`
	// Usage counts the tokens.
	Usage OpenAIResponsesUsage `json:"usage"`
}

// OpenAIResponsesOutput is one item of a Responses API answer.
type OpenAIResponsesOutput struct {
	// Type is the item's type, e.g. "message".
	Type string `json:"type"`
	// ID is the item's id.
	ID string `json:"id,omitempty"`
	// Role is "assistant" for a message.
	Role string `json:"role,omitempty"`
	// Content holds a message's blocks.
	Content []OpenAIResponsesContent `json:"content,omitempty"`
}

// OpenAIResponsesContent is one block of a Responses API message.
type OpenAIResponsesContent struct {
	// Type is the block's type, e.g. "output_text".
	Type string `json:"type"`
	// Text is the text of an output_text block.
	Text string `json:"text,omitempty"`
}

// OpenAIResponsesUsage counts the tokens of a Responses API answer.
type OpenAIResponsesUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// Text returns the output_text blocks of the answer's messages joined, or
// "".
func (r OpenAIResponsesResponse) Text() string {
	s := ""
	for _, o := range r.Output {
		if o.Type != "message" {
			continue
		}
		for _, c := range o.Content {
			if c.Type == "output_text" {
				s += c.Text
			}
		}
	}
	return s
}
