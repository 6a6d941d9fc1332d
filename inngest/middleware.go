package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Middleware hooks into every function of a client (ClientOptions.Middleware) or
// into one function (FunctionOpts.Middleware). Every field is optional: a nil hook
// is skipped. The client's middleware comes before the function's.
//
// # Order
//
// Hooks on the way in (TransformInput, TransformStepMemo, BeforeCall, BeforeStep)
// run in registration order; hooks on the way out (TransformStepOutput,
// TransformOutput, TransformSend, AfterStep, AfterCall, OnPanic) run in reverse
// order, so that the first middleware registered is the outermost: it sees the
// value last on the way out and first on the way in (an encryption middleware
// registered first seals what the others produced and opens before they look).
//
// # Replay
//
// A function is called once per step, and the steps already done come back as
// memoized state. BeforeStep and AfterStep run only for a step whose code runs
// in this call, never for a memoized step. TransformStepMemo runs on every call
// for each memoized step the function reaches (step.Run, step.Invoke), before
// its result is decoded; TransformInput runs on every call before the event is
// decoded. BeforeCall and AfterCall run once per call.
//
// # Values
//
// Transforms receive and return JSON (json.RawMessage): they work on values
// without knowing the function's Go types. An error from a transform fails the
// step or the call for good (non-retriable), with a message naming the
// middleware and the step.
//
// # Cost
//
// A function without middleware pays one nil check per hook site.
type Middleware struct {
	// Name identifies the middleware in error messages.
	Name string
	// TransformInput receives the data of each event the function receives (the
	// "data" field), before it is decoded into the handler's type.
	TransformInput func(ctx context.Context, call CallInfo, data json.RawMessage) (json.RawMessage, error)
	// TransformStepOutput receives a step's encoded result before it leaves the
	// process (reported to the server).
	TransformStepOutput func(ctx context.Context, call CallInfo, s StepInfo, data json.RawMessage) (json.RawMessage, error)
	// TransformStepMemo receives a step's memoized result (the "data" the server
	// sent back) before it is decoded: it undoes TransformStepOutput. For
	// step.Invoke this is the invoked function's output.
	TransformStepMemo func(ctx context.Context, call CallInfo, s StepInfo, data json.RawMessage) (json.RawMessage, error)
	// TransformOutput receives the function's encoded result before it leaves
	// the process.
	TransformOutput func(ctx context.Context, call CallInfo, out json.RawMessage) (json.RawMessage, error)
	// BeforeCall runs when a call of the function begins; the context it returns
	// is the one the handler (and the hooks after it) get.
	BeforeCall func(ctx context.Context, call CallInfo) context.Context
	// AfterCall runs when a call ends; err is the handler's error, or a
	// *PanicError when it panicked, or nil (also when the call stopped to report
	// a step).
	AfterCall func(ctx context.Context, call CallInfo, err error)
	// BeforeStep runs before a step's code runs in this call (never for a
	// memoized step); the context it returns is the one the step's code gets.
	BeforeStep func(ctx context.Context, call CallInfo, s StepInfo) context.Context
	// AfterStep runs after a step's code ran in this call, with its error.
	AfterStep func(ctx context.Context, call CallInfo, s StepInfo, err error)
	// OnPanic runs when the handler (s is nil) or a step's code panicked.
	OnPanic func(ctx context.Context, call CallInfo, s *StepInfo, p *PanicError)
	// TransformSend receives each event sent with Client.Send or step.SendEvent
	// (by a client with this middleware) before it is encoded; it may change it
	// (its Data is JSON). It also receives the data step.Invoke sends to the
	// invoked function, as an event named InvokeEventName (client and function
	// middleware). Function middleware does not see Client.Send.
	TransformSend func(ctx context.Context, ev *events.Envelope) error
}

// CallInfo describes a call of a function, for middleware.
type CallInfo struct {
	// FunctionID is the function's full id ("<app id>-<slug>").
	FunctionID string
	// RunID identifies the run.
	RunID string
	// Attempt is the call's zero-based attempt.
	Attempt int
	// Replaying is set when the call began with memoized steps.
	Replaying bool
	// Event is the event that triggered the run (the first of a batch), as the
	// server sent it, before TransformInput.
	Event json.RawMessage
	// TraceParent is the call request's W3C "traceparent" header as received
	// ("" when absent). The Inngest server sends it on every call: it places the
	// call in the run's trace, the one the other SDKs' spans join.
	TraceParent string
	// TraceState is the call request's W3C "tracestate" header ("" when absent).
	TraceState string
}

// StepInfo describes a step, for middleware.
type StepInfo struct {
	// ID is the step's id as given to the step tool.
	ID string
	// Hash is the id the server knows the step by.
	Hash string
	// Attempt is the step's zero-based attempt: the call's (CallInfo.Attempt,
	// Input.Attempt), since every step a call executes is on its attempt.
	Attempt int
}

// PanicError is a panic recovered from a handler or a step's code.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// MiddlewareError is the error of a middleware transform that failed.
type MiddlewareError struct {
	// Middleware is the failing middleware's Name.
	Middleware string
	// StepID is the step whose value was transformed; empty for the event or the
	// function's output.
	StepID string
	// Err is what the hook returned.
	Err error
}

func (e *MiddlewareError) Error() string {
	where := "the function's input/output"
	if e.StepID != "" {
		where = fmt.Sprintf("step %q", e.StepID)
	}
	return fmt.Sprintf("inngest: middleware %q on %s: %v", e.Middleware, where, e.Err)
}

func (e *MiddlewareError) Unwrap() error { return e.Err }

// ErrMiddleware is wrapped by every MiddlewareError.
var ErrMiddleware = errors.New("inngest: middleware failed")

// Is reports ErrMiddleware.
func (e *MiddlewareError) Is(target error) bool { return target == ErrMiddleware }

// InvokeEventName is the Name of the envelope TransformSend receives for the
// data of a step.Invoke.
const InvokeEventName = "inngest/function.invoked"

// chain is a function's middleware, client's first; it implements exec.Hooks.
type chain []*Middleware

func newChain(client, fn []*Middleware) chain {
	var c chain
	for _, m := range append(append([]*Middleware{}, client...), fn...) {
		if m != nil {
			c = append(c, m)
		}
	}
	return c
}

func callInfo(c exec.CallInfo) CallInfo {
	return CallInfo{FunctionID: c.FunctionID, RunID: c.RunID, Attempt: c.Attempt, Replaying: c.Replaying, Event: c.Event,
		TraceParent: c.TraceParent, TraceState: c.TraceState}
}

func stepInfo(s exec.StepInfo) StepInfo { return StepInfo{ID: s.ID, Hash: s.Hash, Attempt: s.Attempt} }

func (ch chain) CallStart(ctx context.Context, c exec.CallInfo) context.Context {
	ci := callInfo(c)
	for _, m := range ch {
		if m.BeforeCall != nil {
			ctx = m.BeforeCall(ctx, ci)
		}
	}
	return ctx
}

func (ch chain) CallEnd(ctx context.Context, c exec.CallInfo, err error) {
	ci := callInfo(c)
	var pe *exec.PanicError
	if errors.As(err, &pe) {
		err = &PanicError{Value: pe.Value, Stack: pe.Stack}
	}
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].AfterCall != nil {
			ch[i].AfterCall(ctx, ci, err)
		}
	}
}

func (ch chain) Panic(ctx context.Context, c exec.CallInfo, s *exec.StepInfo, pe *exec.PanicError) {
	ci := callInfo(c)
	var si *StepInfo
	if s != nil {
		v := stepInfo(*s)
		si = &v
	}
	p := &PanicError{Value: pe.Value, Stack: pe.Stack}
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].OnPanic != nil {
			ch[i].OnPanic(ctx, ci, si, p)
		}
	}
}

func (ch chain) StepStart(ctx context.Context, c exec.CallInfo, s exec.StepInfo) context.Context {
	ci, si := callInfo(c), stepInfo(s)
	for _, m := range ch {
		if m.BeforeStep != nil {
			ctx = m.BeforeStep(ctx, ci, si)
		}
	}
	return ctx
}

func (ch chain) StepEnd(ctx context.Context, c exec.CallInfo, s exec.StepInfo, err error) {
	ci, si := callInfo(c), stepInfo(s)
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].AfterStep != nil {
			ch[i].AfterStep(ctx, ci, si, err)
		}
	}
}

func (ch chain) StepOutput(ctx context.Context, c exec.CallInfo, s exec.StepInfo, data json.RawMessage) (json.RawMessage, error) {
	ci, si := callInfo(c), stepInfo(s)
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].TransformStepOutput == nil {
			continue
		}
		out, err := ch[i].TransformStepOutput(ctx, ci, si, data)
		if err != nil {
			return nil, &MiddlewareError{Middleware: ch[i].Name, StepID: s.ID, Err: err}
		}
		data = out
	}
	return data, nil
}

func (ch chain) StepMemo(ctx context.Context, c exec.CallInfo, s exec.StepInfo, data json.RawMessage) (json.RawMessage, error) {
	ci, si := callInfo(c), stepInfo(s)
	for _, m := range ch {
		if m.TransformStepMemo == nil {
			continue
		}
		out, err := m.TransformStepMemo(ctx, ci, si, data)
		if err != nil {
			return nil, &MiddlewareError{Middleware: m.Name, StepID: s.ID, Err: err}
		}
		data = out
	}
	return data, nil
}

// input transforms the data of one raw event (in registration order).
func (ch chain) input(ctx context.Context, c exec.CallInfo, raw json.RawMessage) (json.RawMessage, error) {
	if !ch.has(func(m *Middleware) bool { return m.TransformInput != nil }) {
		return raw, nil
	}
	var ev map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("inngest: decoding event: %w", err)
	}
	data, err := ch.inputData(ctx, c, ev["data"])
	if err != nil {
		return nil, err
	}
	ev["data"] = data
	return jsoncodec.Marshal(ev)
}

// inputData runs TransformInput on an event's data (in registration order).
func (ch chain) inputData(ctx context.Context, c exec.CallInfo, data json.RawMessage) (json.RawMessage, error) {
	ci := callInfo(c)
	for _, m := range ch {
		if m.TransformInput == nil {
			continue
		}
		out, err := m.TransformInput(ctx, ci, data)
		if err != nil {
			return nil, &MiddlewareError{Middleware: m.Name, Err: err}
		}
		data = out
	}
	return data, nil
}

// output transforms the function's encoded result (in reverse order).
func (ch chain) output(ctx context.Context, c exec.CallInfo, out json.RawMessage) (json.RawMessage, error) {
	ci := callInfo(c)
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].TransformOutput == nil {
			continue
		}
		o, err := ch[i].TransformOutput(ctx, ci, out)
		if err != nil {
			return nil, &MiddlewareError{Middleware: ch[i].Name, Err: err}
		}
		out = o
	}
	return out, nil
}

// send transforms an event on its way out (in reverse order).
func (ch chain) send(ctx context.Context, ev *events.Envelope) error {
	for i := len(ch) - 1; i >= 0; i-- {
		if ch[i].TransformSend == nil {
			continue
		}
		if err := ch[i].TransformSend(ctx, ev); err != nil {
			return &MiddlewareError{Middleware: ch[i].Name, Err: err}
		}
	}
	return nil
}

func (ch chain) has(f func(*Middleware) bool) bool {
	for _, m := range ch {
		if f(m) {
			return true
		}
	}
	return false
}

func (ch chain) InvokeData(ctx context.Context, c exec.CallInfo, s exec.StepInfo, data json.RawMessage) (json.RawMessage, error) {
	ev := events.Envelope{Name: InvokeEventName, Data: data}
	if err := ch.send(ctx, &ev); err != nil {
		var me *MiddlewareError
		if errors.As(err, &me) {
			me.StepID = s.ID
		}
		return nil, err
	}
	return ev.Data, nil
}
