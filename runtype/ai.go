package runtype

// AIMetadata is what the engine records of an inference request
// (step.Infer) on the request's "gateway" History entry: what the server
// records on the step as its "inngest.ai" metadata. As on the server, it is
// read from the request body as OpenAI chat (its "model") and from the
// answer as an Anthropic message for the "anthropic" format and as an
// OpenAI chat completion for every other format, so an answer of another
// shape (Gemini, Bedrock, the Responses API) or one without choices records
// none.
type AIMetadata struct {
	// Provider is the request's format, e.g. "openai-chat".
	Provider string
	// RequestModel is the model the request named; ResponseModel the one
	// the provider says answered.
	RequestModel, ResponseModel string
	// InputTokens and OutputTokens are the provider's counts; TotalTokens
	// is their sum.
	InputTokens, OutputTokens, TotalTokens int64
}
