package wire

import "encoding/json"

// CallRequest is the body of a POST from the server to the SDK (§4.1). Memoized step
// state and events are kept as raw JSON so that each is decoded exactly once, straight
// into the Go type that the user's code asks for.
type CallRequest struct {
	Ctx     CallCtx                    `json:"ctx"`
	Event   json.RawMessage            `json:"event"`
	Events  []json.RawMessage          `json:"events"`
	Steps   map[string]json.RawMessage `json:"steps"`
	UseAPI  bool                       `json:"use_api"`
	Version int                        `json:"version"`
	Defers  json.RawMessage            `json:"defers,omitempty"`
}

// CallCtx is the ctx object of a call request.
type CallCtx struct {
	Attempt                   int    `json:"attempt"`
	DisableImmediateExecution bool   `json:"disable_immediate_execution"`
	Env                       string `json:"env"`
	FnID                      string `json:"fn_id"`
	GenerationID              int    `json:"generation_id"`
	JobID                     string `json:"job_id"`
	MaxAttempts               int    `json:"max_attempts"`
	QiID                      string `json:"qi_id"`
	RequestID                 string `json:"request_id"`
	RunID                     string `json:"run_id"`
	Stack                     Stack  `json:"stack"`
	StepID                    string `json:"step_id"`
	UseAPI                    bool   `json:"use_api"`
}

// Stack lists memoized step hashes in the order the server stored them.
type Stack struct {
	Current int      `json:"current"`
	Stack   []string `json:"stack"`
}

// Event is an event as the server sends it inside a call (event, events[]) and as
// the event API accepts it.
type Event struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
	User json.RawMessage `json:"user,omitempty"`
	TS   int64           `json:"ts,omitempty"`
	V    string          `json:"v,omitempty"`
}

// MemoError is the error object of a failed step's memo ({"error": {...}}), also used
// in StepError/StepFailed ops and in function failure events.
type MemoError struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	Stack   string          `json:"stack,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Cause   json.RawMessage `json:"cause,omitempty"`
	// Error is set by the server on some errors (invoke timeouts, function.failed).
	Error string `json:"error,omitempty"`
}

// ErrorBody is the JSON body of an SDK error response (retriable or not).
type ErrorBody struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	Stack   string          `json:"stack,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}
