package exec

import (
	"context"
	"encoding/json"
)

// CallInfo describes the call in progress, for middleware hooks.
type CallInfo struct {
	FunctionID string
	RunID      string
	Attempt    int
	// Replaying is set when the call began with memoized steps.
	Replaying bool
	// Event is the triggering event as received.
	Event json.RawMessage
	// TraceParent and TraceState are the call request's W3C trace headers.
	TraceParent, TraceState string
}

// StepInfo describes a step, for middleware hooks.
type StepInfo struct {
	ID      string
	Hash    string
	Attempt int
}

// Hooks is a function's middleware chain as the core calls it; package inngest
// implements it. A nil Hooks costs one nil check per hook site.
type Hooks interface {
	// CallStart runs when a call begins; the context it returns is the one the
	// function runs with.
	CallStart(ctx context.Context, c CallInfo) context.Context
	// CallEnd runs when the call ends; err is the function's error, a panic as a
	// *PanicError, or nil (also when the call stopped to report steps).
	CallEnd(ctx context.Context, c CallInfo, err error)
	// Panic runs when the function (s == nil) or a step's code panicked.
	Panic(ctx context.Context, c CallInfo, s *StepInfo, pe *PanicError)
	// StepStart runs before a step's code runs in this call (never for a memoized step).
	StepStart(ctx context.Context, c CallInfo, s StepInfo) context.Context
	// StepEnd runs after a step's code ran in this call.
	StepEnd(ctx context.Context, c CallInfo, s StepInfo, err error)
	// StepOutput transforms a step's encoded result before it is reported.
	StepOutput(ctx context.Context, c CallInfo, s StepInfo, data json.RawMessage) (json.RawMessage, error)
	// StepMemo transforms a step's memoized result before it is decoded.
	StepMemo(ctx context.Context, c CallInfo, s StepInfo, data json.RawMessage) (json.RawMessage, error)
	// InvokeData transforms the event data step.Invoke sends to another function.
	InvokeData(ctx context.Context, c CallInfo, s StepInfo, data json.RawMessage) (json.RawMessage, error)
}

// callInfo returns the hook description of the run's call.
func (r *Run) callInfo() CallInfo {
	c := r.call.Req.Ctx
	ev := r.call.Req.Event
	if len(ev) == 0 && len(r.call.Req.Events) > 0 {
		ev = r.call.Req.Events[0]
	}
	return CallInfo{FunctionID: r.call.Fn.Config.ID, RunID: c.RunID, Attempt: c.Attempt, Replaying: len(r.memo) > 0, Event: ev,
		TraceParent: r.call.TraceParent, TraceState: r.call.TraceState}
}

// Hooks returns the function's middleware chain (nil when it has none) and the
// hook descriptions of the call and the step.
func (s *Step) Hooks() (Hooks, CallInfo, StepInfo) {
	r := s.f.run
	h := r.call.Fn.Hooks
	if h == nil {
		return nil, CallInfo{}, StepInfo{}
	}
	attempt, _ := s.Attempt()
	return h, r.callInfo(), StepInfo{ID: s.ID, Hash: s.Hash, Attempt: attempt}
}

// HooksFrom returns the middleware chain of the run that owns ctx and the call's
// description; nil outside a run or without middleware.
func HooksFrom(ctx context.Context) (Hooks, CallInfo) {
	f := frameFrom(ctx)
	if f == nil || f.run.call.Fn.Hooks == nil {
		return nil, CallInfo{}
	}
	return f.run.call.Fn.Hooks, f.run.callInfo()
}

// RunContext returns the context of the call that owns the step.
func (s *Step) RunContext() context.Context { return s.f.run.ctx }

// callStart runs the CallStart hook, if any, and returns the function's context.
func (r *Run) callStart(ctx context.Context) context.Context {
	if h := r.call.Fn.Hooks; h != nil {
		return h.CallStart(ctx, r.callInfo())
	}
	return ctx
}
