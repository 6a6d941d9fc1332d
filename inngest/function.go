package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Input is what a handler receives for one run.
type Input[T any] struct {
	// Event is the event that started the run (the first of a batch).
	Event events.Event[T]
	// Events holds every event of a batch (BatchEvents), or just Event.
	Events []events.Event[T]
	// RunID identifies the run.
	RunID string
	// Attempt is the zero-based attempt of this call, as the server counts it:
	// the attempt of every step the call executes (a step.Run whose code runs
	// in it) and of the function's own code. It is 0 on a first call and after
	// a step completed; a call retrying a failed step (or a failed function)
	// has the retry's number, and with checkpointing such a call executes that
	// step only, so that the steps after it start again at 0 with their full
	// retries. Memoized steps say nothing about it.
	Attempt int
}

// Handler is a typed function body. It is re-run for every step; code outside steps
// must be deterministic.
type Handler[T, R any] func(ctx context.Context, in Input[T]) (R, error)

// FunctionOpts configure a function. Only ID is required; every other zero value
// means "not set" (or the documented default).
type FunctionOpts struct {
	// ID is the function's slug within the app: lower case letters, digits and '-'.
	// The id the server sees is "<app id>-<ID>".
	ID string
	// Name is shown in the UI. Default: ID.
	Name string
	// Retries is the number of retries after the first attempt, per step and for the
	// function. 0 means DefaultRetries (4); NoRetries (-1) means none; capped at 20.
	Retries int
	// Concurrency holds at most two step-level limits: steps executing at once.
	Concurrency []Concurrency
	// RunConcurrency limits the runs in progress at once, from their start to
	// their end. Default (nil): no limit.
	RunConcurrency *RunConcurrency
	// Throttle delays starts over a rate.
	Throttle *Throttle
	// RateLimit skips starts over a rate.
	RateLimit *RateLimit
	// Debounce waits for events to settle.
	Debounce *Debounce
	// BatchEvents hands the handler several events at once.
	BatchEvents *BatchEvents
	// Priority orders queued runs.
	Priority *Priority
	// Idempotency is a CEL expression over event: at most one run per value per 24 h.
	Idempotency string
	// CancelOn holds at most five cancellation rules.
	CancelOn []CancelOn
	// Timeouts cancel runs that start or finish too late.
	Timeouts *Timeouts
	// Singleton allows one run at a time per key.
	Singleton *Singleton
	// Checkpoint overrides the client's checkpoint settings for this function; zero
	// fields inherit the client's.
	Checkpoint CheckpointOptions
	// Middleware applies to this function only, after the client's (see
	// Middleware for the order). Default: none.
	Middleware []*Middleware
}

// Function is a function definition bound to a client. Serve it with package serve;
// invoke it from another function with step.Invoke and Ref.
type Function[T, R any] struct {
	client  *Client
	opts    FunctionOpts
	trigger Trigger[T]
	handler Handler[T, R]
	fn      *exec.Function
	failure *exec.Function
	mw      chain
}

// NewFunction defines a function. Every option is checked the way the server checks
// it at registration (CEL expressions compiled, cron parsed, limits and combinations),
// so a typo fails here, at startup, with an error wrapping ErrInvalidFunction.
// Options that depend on the event type follow the handler (OnFailure).
func NewFunction[T, R any](c *Client, opts FunctionOpts, trigger Trigger[T], h Handler[T, R], options ...FunctionOption[T]) (*Function[T, R], error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil client", ErrInvalidFunction)
	}
	if h == nil {
		return nil, fmt.Errorf("%w %q: nil handler", ErrInvalidFunction, opts.ID)
	}
	cfg, err := buildConfig(c, opts, trigger.specs, trigger.invokeOnly)
	if err != nil {
		return nil, err
	}
	f := &Function[T, R]{client: c, opts: opts, trigger: trigger, handler: h, mw: newChain(c.middleware, opts.Middleware)}
	f.fn = &exec.Function{
		Config:     cfg,
		Handler:    f.erased,
		Checkpoint: opts.Checkpoint.withDefaults(c.checkpoint).config(),
	}
	if f.mw != nil {
		f.fn.Hooks = f.mw
	}
	for _, o := range options {
		if o.onFailure == nil {
			continue
		}
		if f.failure != nil {
			return nil, fmt.Errorf("%w %q: OnFailure given twice", ErrInvalidFunction, opts.ID)
		}
		f.failure = f.failureFunction(o.onFailure)
	}
	return f, nil
}

// ID returns the id the server knows the function by: "<app id>-<slug>".
func (f *Function[T, R]) ID() string { return f.fn.Config.ID }

// Slug returns the id given in FunctionOpts.
func (f *Function[T, R]) Slug() string { return f.opts.ID }

// Name returns the display name.
func (f *Function[T, R]) Name() string { return f.fn.Config.Name }

// Ref returns a typed reference for step.Invoke.
func (f *Function[T, R]) Ref() FunctionRef[T, R] { return FunctionRef[T, R]{id: f.ID()} }

// Config returns the function's registration JSON as sent at sync (without the
// runtime URL, which depends on where it is served).
func (f *Function[T, R]) Config() json.RawMessage {
	b, _ := jsoncodec.Marshal(f.fn.Config)
	return b
}

// erased decodes the input once into T, runs the typed handler and marshals R.
func (f *Function[T, R]) erased(ctx context.Context, in *exec.Input) ([]byte, error) {
	input := Input[T]{RunID: in.RunID, Attempt: in.Attempt}
	decode := withoutInvokeMeta(f.trigger.decoder(in.Started))
	if f.mw != nil {
		decode = f.mwDecoder(ctx, decode)
	}
	if len(in.Events) > 1 {
		input.Events = make([]events.Event[T], len(in.Events))
		for i, raw := range in.Events {
			ev, err := decode(raw)
			if err != nil {
				return nil, &exec.FnError{Err: err, Name: "EventDecodeError", Message: fmt.Sprintf("inngest: decoding event %d: %v", i, err), NoRetry: true}
			}
			input.Events[i] = ev
		}
		input.Event = input.Events[0]
	} else {
		raw := in.Event
		if len(raw) == 0 && len(in.Events) == 1 {
			raw = in.Events[0]
		}
		ev, err := decode(raw)
		if err != nil {
			return nil, &exec.FnError{Err: err, Name: "EventDecodeError", Message: "inngest: decoding event: " + err.Error(), NoRetry: true}
		}
		input.Event = ev
		input.Events = []events.Event[T]{ev}
	}
	out, err := f.handler(ctx, input)
	if err != nil {
		return nil, classify(err)
	}
	b, err := jsoncodec.Marshal(out)
	if err != nil {
		return nil, &exec.FnError{Err: err, Name: "OutputEncodeError", Message: "inngest: encoding the function's result: " + err.Error(), NoRetry: true}
	}
	if f.mw != nil {
		_, ci := exec.HooksFrom(ctx)
		if b, err = f.mw.output(ctx, ci, b); err != nil {
			return nil, &exec.FnError{Err: err, Name: "MiddlewareError", Message: err.Error(), NoRetry: true}
		}
	}
	return b, nil
}

// mwDecoder runs the middleware's TransformInput on each event's data before
// decode.
func (f *Function[T, R]) mwDecoder(ctx context.Context, decode func([]byte) (events.Event[T], error)) func([]byte) (events.Event[T], error) {
	_, ci := exec.HooksFrom(ctx)
	return func(raw []byte) (events.Event[T], error) {
		raw, err := f.mw.input(ctx, ci, raw)
		if err != nil {
			return events.Event[T]{}, err
		}
		return decode(raw)
	}
}

// classify turns a function error into the protocol's retry semantics.
func classify(err error) *exec.FnError {
	fe := &exec.FnError{Err: err, Name: "Error", Message: err.Error()}
	var se *StepError
	var nr *NoRetryError
	var ra *RetryAfterError
	switch {
	case errors.As(err, &se):
		fe.NoRetry = true
		fe.Name = "StepError"
		fe.Message = "unhandled step error: " + err.Error()
	case errors.As(err, &nr):
		fe.NoRetry = true
		fe.Name = "NonRetriableError"
	case errors.As(err, &ra):
		fe.RetryAfter = ra.At
		fe.Name = "RetryAfterError"
	}
	return fe
}

// FunctionRef is a typed reference to a function, for step.Invoke.
type FunctionRef[T, R any] struct{ id string }

// ID returns the referenced function's full id ("<app id>-<slug>").
func (r FunctionRef[T, R]) ID() string { return r.id }

// Ref refers to a function by its full id ("<app id>-<slug>"), for functions of other
// apps or languages. T is the data sent, R the result expected.
func Ref[T, R any](fullID string) FunctionRef[T, R] { return FunctionRef[T, R]{id: fullID} }

// ServableFunction is implemented by *Function; package serve accepts it. It has an
// unexported method, so no type of another package can implement it.
type ServableFunction interface {
	// ID returns the full function id.
	ID() string
	// definitions returns what package serve runs: the function, then its failure
	// handler when it has one. Package serve reaches it through internal/link.
	definitions() []*exec.Function
}

// definitions returns what package serve runs: the function, then its failure
// handler when it has one (see OnFailure).
func (f *Function[T, R]) definitions() []*exec.Function {
	if f == nil || f.fn == nil {
		return nil
	}
	if f.failure != nil {
		return []*exec.Function{f.fn, f.failure}
	}
	return []*exec.Function{f.fn}
}

func slugOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return !strings.HasSuffix(s, "-")
}
