package exec

import (
	"errors"
	"fmt"
)

// Errors returned to user code by step tools when they cannot run.
var (
	ErrNoRun       = errors.New("inngest: step called outside of a function run (use the ctx passed to the handler)")
	ErrStray       = errors.New("inngest: step called from a goroutine the function did not start through step.Parallel (or while another step of the same ctx is in progress); steps must run on the function's goroutine or a Parallel branch")
	ErrNested      = errors.New("inngest: step called inside another step's function; steps cannot be nested")
	ErrRunFinished = errors.New("inngest: step called after the function call ended or while it is stopping (from a deferred function, after a step was reported)")
	ErrDuplicateID = errors.New("inngest: the same step id is used by two parallel branches; give each branch's steps distinct ids")
)

// PanicError is a panic recovered from user code: Value is what was passed to
// panic, Stack the goroutine's stack at that point. The stack goes in the wire
// error's "stack" field, never in its message.
type PanicError struct {
	Value any
	Stack string
}

// Error returns "panic: <value>".
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }
