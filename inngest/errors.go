package inngest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors.
var (
	// ErrInvalidFunction wraps every definition-time validation error.
	ErrInvalidFunction = errors.New("inngest: invalid function")
	// ErrInvalidClient wraps client configuration errors.
	ErrInvalidClient = errors.New("inngest: invalid client options")
	// ErrSend wraps failures to send events.
	ErrSend = errors.New("inngest: sending events failed")
)

// NoRetryError marks an error as final: the step or function fails without retries.
type NoRetryError struct{ Err error }

// Error returns the wrapped error's message.
func (e *NoRetryError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *NoRetryError) Unwrap() error { return e.Err }

// NoRetry marks err as non-retriable. Returned from a step, the step fails for good
// (StepFailed); returned from a function, the run fails without retries.
func NoRetry(err error) error {
	if err == nil {
		return nil
	}
	return &NoRetryError{Err: err}
}

// RetryAfterError asks for the next attempt no earlier than At.
type RetryAfterError struct {
	Err error
	At  time.Time
}

// Error returns the wrapped error's message.
func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter marks err as retriable no earlier than when: a duration from now or an
// absolute time. The server clamps the delay to 1 s … 24 h.
func RetryAfter[D time.Duration | time.Time](err error, when D) error {
	if err == nil {
		return nil
	}
	var at time.Time
	switch w := any(when).(type) {
	case time.Duration:
		at = time.Now().Add(w)
	case time.Time:
		at = w
	}
	return &RetryAfterError{Err: err, At: at}
}

// StepError is a step that failed for good (all attempts used, or NoRetry). It is what
// a step tool returns when replaying a failed step, so user code can handle it; left
// unhandled, it fails the function without retries.
type StepError struct {
	// StepID is the developer's id of the step.
	StepID string
	// Name is the error's name (for example "Error").
	Name string
	// Message is the error message of the last attempt.
	Message string
	// Data is optional JSON attached to the error.
	Data json.RawMessage
}

// Error describes the failed step.
func (e *StepError) Error() string {
	return fmt.Sprintf("inngest: step %q failed: %s", e.StepID, e.Message)
}
