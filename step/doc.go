// Package step holds the durable step tools: Run, Sleep, SleepUntil, WaitForEvent,
// SendEvent, Invoke, Parallel and Race.
//
// Each tool takes the ctx given to the function's handler and a step id that is
// unique within the function (repeats in a loop are numbered automatically). A step
// that already completed in an earlier call returns its memoized result without
// running again; a step that has not completed either runs now or stops the function
// so the server can schedule it. Stopping uses runtime.Goexit: deferred functions in
// your code run, but no recover() can swallow it, and a step they call does not run
// (it returns ErrRunEnded); so keep code outside steps deterministic and free of
// side effects.
//
// Steps run on the function's goroutine or on a Parallel branch; a step called from
// another goroutine returns ErrStrayGoroutine. Out-of-range durations and invoke data
// are refused (ErrDurationOutOfRange, ErrInvokeData), never adjusted.
package step
