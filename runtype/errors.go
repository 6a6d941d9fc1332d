package runtype

import "encoding/json"

// RunError describes a failure or cancellation.
type RunError struct {
	// Name is the error's name, e.g. "Error", "StepError", "NonRetriableError",
	// "FunctionCancelledError".
	Name string `json:"name"`
	// Message is the error message.
	Message string `json:"message"`
	// NoRetry reports whether the SDK marked the error non-retriable.
	NoRetry bool `json:"-"`
}

// StepError is a step's error object, as the SDK reports it.
type StepError struct {
	// Name is the error's name, e.g. "Error".
	Name string `json:"name"`
	// Message is the error message.
	Message string `json:"message"`
	// Stack is the stack trace the SDK sent, if any.
	Stack string `json:"stack,omitempty"`
	// Data is the error's data, if any.
	Data json.RawMessage `json:"data,omitempty"`
}
