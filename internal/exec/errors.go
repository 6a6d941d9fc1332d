package exec

import "errors"

// Errors returned to user code by step tools when they cannot run.
var (
	ErrNoRun       = errors.New("inngest: step called outside of a function run (use the ctx passed to the handler)")
	ErrStray       = errors.New("inngest: step called from a goroutine the function did not start through step.Parallel; steps must run on the function's goroutine or a Parallel branch")
	ErrNested      = errors.New("inngest: step called inside another step's function; steps cannot be nested")
	ErrRunFinished = errors.New("inngest: step called after the function call ended")
	ErrDuplicateID = errors.New("inngest: the same step id is used by two parallel branches; give each branch's steps distinct ids")
)
