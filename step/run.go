package step

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Errors returned by step tools when they cannot run.
var (
	// ErrNotInFunction: the ctx does not belong to a function run.
	ErrNotInFunction = exec.ErrNoRun
	// ErrStrayGoroutine: a step was called from a goroutine the function did not
	// start through Parallel.
	ErrStrayGoroutine = exec.ErrStray
	// ErrNestedStep: a step was called inside another step's code.
	ErrNestedStep = exec.ErrNested
	// ErrRunEnded: a step was called after the function call ended, or by a
	// deferred function while the SDK stops the function after reporting a step
	// (such a step does not run).
	ErrRunEnded = exec.ErrRunFinished
	// ErrDuplicateID: two parallel branches used the same step id.
	ErrDuplicateID = exec.ErrDuplicateID
)

// Run runs fn once, durably: on later calls of the function it returns fn's recorded
// result without running fn again. A returned error is retried (with the function's
// Retries) unless wrapped with inngest.NoRetry; after the last attempt the step fails
// for good and Run returns an *inngest.StepError, which fails the function unless
// handled. A panic in fn is a failed attempt.
func Run[T any](ctx context.Context, id string, fn func(ctx context.Context) (T, error)) (T, error) {
	return run(ctx, id, "", fn)
}

func run[T any](ctx context.Context, id, opType string, fn func(ctx context.Context) (T, error)) (T, error) {
	var opts []byte
	if opType != "" {
		opts = []byte(`{"type":"` + opType + `"}`)
	}
	return runOpts(ctx, id, opts, fn)
}

// runOpts is Run reporting opts (wire.RunOpts, encoded; nil for none) with
// its ops.
func runOpts[T any](ctx context.Context, id string, opts []byte, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return zero, err
	}
	if raw, ok := s.Memo(); ok {
		return decodeMemo[T](&s, raw)
	}
	d, err := s.Decide(exec.KindRun)
	if err != nil {
		return zero, err
	}
	switch d {
	case exec.Skip:
		s.Stop(nil)
	case exec.Plan:
		s.Stop(&wire.Op{Op: wire.OpStepPlanned, ID: s.Hash, Name: id, DisplayName: id, Opts: opts, Userland: s.Userland()})
	}
	hooks, ci, si := s.Hooks()
	sctx := s.StepContext(ctx)
	if hooks != nil {
		sctx = hooks.StepStart(sctx, ci, si)
	}
	start := time.Now()
	val, runErr := protect(sctx, fn)
	timing := &wire.Timing{A: start.UnixNano(), B: int64(time.Since(start))}
	if hooks != nil {
		var pe *exec.PanicError
		if errors.As(runErr, &pe) {
			panicked := si // a copy: taking si's address would move it to the heap on every step
			hooks.Panic(sctx, ci, &panicked, pe)
		}
		hooks.StepEnd(sctx, ci, si, runErr)
	}
	if runErr != nil {
		attempt, maxAttempts := s.Attempt()
		op := wire.Op{Op: wire.OpStepError, ID: s.Hash, Name: id, DisplayName: id, Opts: opts, Timing: timing, Userland: s.Userland(),
			Error: &wire.MemoError{Name: "Error", Message: runErr.Error()}}
		var pe *exec.PanicError
		if errors.As(runErr, &pe) {
			op.Error.Stack = pe.Stack
			s.LogPanic(pe)
		}
		var nr *inngest.NoRetryError
		if errors.As(runErr, &nr) || attempt+1 >= maxAttempts {
			op.Op = wire.OpStepFailed
		}
		if data, err := jsoncodec.Marshal(val); err == nil && string(data) != "null" && !isZeroJSON(data) {
			op.Error.Data = data
		}
		var ra *inngest.RetryAfterError
		var at time.Time
		if errors.As(runErr, &ra) {
			at = ra.At
		}
		s.Fail(op, at)
	}
	data, err := jsoncodec.Marshal(val)
	if err != nil {
		// The result cannot be recorded: fail the step for good, it would never replay.
		s.Fail(wire.Op{Op: wire.OpStepFailed, ID: s.Hash, Name: id, DisplayName: id, Timing: timing, Userland: s.Userland(),
			Error: &wire.MemoError{Name: "Error", Message: "inngest: encoding step result: " + err.Error()}}, time.Time{})
	}
	if hooks != nil {
		if data, err = hooks.StepOutput(sctx, ci, si, data); err != nil {
			s.Fail(wire.Op{Op: wire.OpStepFailed, ID: s.Hash, Name: id, DisplayName: id, Timing: timing, Userland: s.Userland(),
				Error: &wire.MemoError{Name: "MiddlewareError", Message: err.Error()}}, time.Time{})
		}
	}
	s.Done(wire.Op{Op: wire.OpStepRun, ID: s.Hash, Name: id, DisplayName: id, Opts: opts, Data: data, Timing: timing, Userland: s.Userland()})
	return val, nil
}

func isZeroJSON(b []byte) bool {
	switch string(b) {
	case `""`, "0", "false", "{}", "[]":
		return true
	}
	return false
}

// protect runs fn, turning a panic into an *exec.PanicError so that a panicking
// step is a failed attempt rather than a crash.
func protect[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (val T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &exec.PanicError{Value: p, Stack: string(debug.Stack())}
		}
	}()
	return fn(ctx)
}

func decodeMemo[T any](s *exec.Step, raw []byte) (T, error) {
	var zero T
	if hooks, ci, si := s.Hooks(); hooks != nil {
		return decodeMemoHooked[T](s, hooks, ci, si, raw)
	}
	if mid, ok := dataOnly(raw); ok {
		// The common memo, {"data":v} as the server writes it: decoding the
		// middle as one JSON value proves there is no other key.
		var v T
		if jsoncodec.Unmarshal(mid, &v) == nil {
			return v, nil
		}
	}
	data, merr, err := unwrapMemo(raw)
	if err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: decoding the recorded result of step %q: %w", s.ID, err))
	}
	if merr != nil {
		return zero, &inngest.StepError{StepID: s.ID, Name: merr.Name, Message: merr.Message, Data: merr.Data}
	}
	if data == nil || string(data) == "null" {
		return zero, nil
	}
	var v T
	if err := jsoncodec.Unmarshal(data, &v); err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: decoding the recorded result of step %q: %w", s.ID, err))
	}
	return v, nil
}

// decodeMemoHooked decodes a memo through the middleware's TransformStepMemo: the
// "data" value goes through the chain as JSON before it is decoded into T.
func decodeMemoHooked[T any](s *exec.Step, hooks exec.Hooks, ci exec.CallInfo, si exec.StepInfo, raw []byte) (T, error) {
	var zero T
	data, merr, err := unwrapMemo(raw)
	if err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: decoding the recorded result of step %q: %w", s.ID, err))
	}
	if merr != nil {
		return zero, &inngest.StepError{StepID: s.ID, Name: merr.Name, Message: merr.Message, Data: merr.Data}
	}
	if data == nil {
		return zero, nil
	}
	data, err = hooks.StepMemo(s.RunContext(), ci, si, data)
	if err != nil {
		return zero, inngest.NoRetry(err)
	}
	var v T
	if err := jsoncodec.Unmarshal(data, &v); err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("inngest: decoding the recorded result of step %q: %w", s.ID, err))
	}
	return v, nil
}
