package events

import (
	"errors"
	"fmt"
)

// ErrInvalidData is wrapped by every error about event data that does not
// fit its definition's schema, or is not a JSON object.
var ErrInvalidData = errors.New("inngest: invalid event data")

// DataError describes event data that failed validation. It wraps
// ErrInvalidData.
type DataError struct {
	// Event is the event name.
	Event string
	// Path is the JSON Pointer of the offending value, "/" for the root.
	Path string
	// Reason says what is wrong, e.g. "expected string, got number".
	Reason string
}

// Error renders `inngest: event "<name>" data invalid: <path>: <reason>`.
func (e *DataError) Error() string {
	return fmt.Sprintf("inngest: event %q data invalid: %s: %s", e.Event, e.Path, e.Reason)
}

// Unwrap returns ErrInvalidData.
func (e *DataError) Unwrap() error { return ErrInvalidData }
