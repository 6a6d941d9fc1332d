package step

// GeminiPart is one part of a Gemini message.
type GeminiPart struct {
	// Text is the part's text.
	Text string `json:"text,omitempty"`
}

// GeminiContent is one message of a Gemini conversation.
type GeminiContent struct {
	// Role is "user" or "model"; empty for a system instruction.
	Role string `json:"role,omitempty"`
	// Parts hold the message.
	Parts []GeminiPart `json:"parts"`
}

// GeminiGenerationConfig tunes a Gemini answer; a zero field leaves the
// provider's default.
type GeminiGenerationConfig struct {
	// MaxOutputTokens bounds the answer.
	MaxOutputTokens int `json:"maxOutputTokens,omitempty"`
	// Temperature is the sampling temperature.
	Temperature float64 `json:"temperature,omitempty"`
	// TopP is the nucleus sampling bound.
	TopP float64 `json:"topP,omitempty"`
	// StopSequences end the answer.
	StopSequences []string `json:"stopSequences,omitempty"`
}

// GeminiRequest is a Gemini generateContent request (the fields most calls
// use); the model is part of the URL (see Gemini).
type GeminiRequest struct {
	// Contents is the conversation.
	Contents []GeminiContent `json:"contents"`
	// SystemInstruction is the system prompt; nil sends none.
	SystemInstruction *GeminiContent `json:"systemInstruction,omitempty"`
	// GenerationConfig tunes the answer; nil sends none.
	GenerationConfig *GeminiGenerationConfig `json:"generationConfig,omitempty"`
}

// GeminiResponse is a Gemini generateContent answer.
type GeminiResponse struct {
	// Candidates are the answers.
	Candidates []GeminiCandidate `json:"candidates"`
	// UsageMetadata counts the tokens.
	UsageMetadata GeminiUsage `json:"usageMetadata"`
	// ModelVersion is the model that answered; ResponseID the answer's id.
	ModelVersion string `json:"modelVersion,omitempty"`
	ResponseID   string `json:"responseId,omitempty"`
}

// GeminiCandidate is one answer of a Gemini request.
type GeminiCandidate struct {
	// Content is the answer.
	Content GeminiContent `json:"content"`
	// FinishReason says why the model stopped, e.g. "STOP".
	FinishReason string `json:"finishReason,omitempty"`
	// Index is the candidate's position.
	Index int `json:"index"`
}

// GeminiUsage counts the tokens of a Gemini answer.
type GeminiUsage struct {
	PromptTokenCount     int `json:"promptTokenCount"`
	CandidatesTokenCount int `json:"candidatesTokenCount"`
	TotalTokenCount      int `json:"totalTokenCount"`
}

// Text returns the first candidate's text parts joined, or "".
func (r GeminiResponse) Text() string {
	if len(r.Candidates) == 0 {
		return ""
	}
	s := ""
	for _, p := range r.Candidates[0].Content.Parts {
		s += p.Text
	}
	return s
}
