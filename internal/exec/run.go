package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Call is one request from the server, ready to execute.
type Call struct {
	Fn  *Function
	Req *wire.CallRequest
	// StepID is the stepId query parameter: "" or "step" for discovery, else the
	// hashed id of the only step to run.
	StepID string
	// Checkpoint persists buffered StepRun ops (POST /v1/checkpoint/{run}/async).
	// Nil disables checkpointing for this call. It is called with the call's
	// context, detached from its cancellation (a completed step is worth persisting
	// even when the server stopped waiting), from the function's goroutine or from
	// the batch-interval timer, never concurrently.
	Checkpoint func(ctx context.Context, ops []wire.Op) error
	// Sender sends the events of step.SendEvent: the *inngest.Client that
	// serves the call. Nil makes SendEvent fail.
	Sender Sender
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TraceParent and TraceState are the call request's W3C trace context
	// headers (Traceparent, Tracestate), handed to middleware; "" when absent.
	TraceParent, TraceState string
}

// Sender sends events. It is the part of *inngest.Client the step tools call;
// the client cannot be named here, since package inngest imports this one.
type Sender interface {
	Send(ctx context.Context, evs ...events.Sendable) ([]string, error)
}

type reported struct {
	path []int
	op   wire.Op
}

// Run is the state of one executing call.
type Run struct {
	call   *Call
	ctx    context.Context // the call's context (checkpoints detach it from its cancellation)
	memo   map[string]json.RawMessage
	target string
	now    func() time.Time
	start  time.Time

	mu           sync.Mutex
	ops          []reported
	visited      []string
	claimed      map[string][]int
	fatal        error // a misuse that makes the whole call fail (duplicate ids)
	buffered     []wire.Op
	ranSteps     int
	retryAfter   time.Time
	checkpointOK bool
	// planRest is set once a Race had a winner: the call's later Run steps are
	// planned, never run at once.
	planRest bool
	// stackPos is each memoized step's position in ctx.stack, built for the
	// first step memoized in a Race branch.
	stackPos map[string]int
	timer    *time.Timer // batch-interval flush
	// inflight is how many of the first buffered steps a checkpoint request is
	// sending; waitingSince is when the oldest buffered step not in it was
	// buffered (the interval timer is due BatchInterval after it).
	inflight     int
	waitingSince time.Time

	// flushMu serialises checkpoint requests (timer and function goroutine) and
	// guards closed.
	flushMu sync.Mutex
	closed  bool

	replaying atomic.Bool
	finished  atomic.Bool
	// abandoned is set when a step was not started because the call's context
	// was cancelled (the server closed the connection).
	abandoned atomic.Bool
	logger    atomic.Pointer[slog.Logger]
}

// Frame states: a frame runs one step at a time; once a step stopped the frame's
// goroutine (runtime.Goexit in progress), no step may start on it again.
const (
	frameIdle int32 = iota
	frameBusy
	frameStopped
)

type frame struct {
	run      *Run
	path     []int
	parallel bool
	// race is set on the frames of Race branches (and frames under them): their
	// ops carry parallelMode "race".
	race     bool
	inStep   bool
	stepID   string
	stepHash string
	counts   map[string]int      // next repeat index of each step id
	taken    map[string]struct{} // hashed ids used in this execution whose pre-hash id has a colon (nil until one)
	// lastPos is, on a Race branch, the latest ctx.stack position of the
	// memoized steps it went through (-1: none): the branch that ends first is
	// the one with the lowest.
	lastPos int
	state   atomic.Int32
}

// stop marks the frame stopped and ends the calling goroutine.
func (f *frame) stop() {
	f.state.Store(frameStopped)
	runtime.Goexit()
}

// release ends the step in progress on f.
func (f *frame) release() { f.state.CompareAndSwap(frameBusy, frameIdle) }

type ctxKey struct{}

func frameFrom(ctx context.Context) *frame {
	f, _ := ctx.Value(ctxKey{}).(*frame)
	return f
}

func withFrame(ctx context.Context, f *frame) context.Context {
	return context.WithValue(ctx, ctxKey{}, f)
}

// Response is the outcome of a call, ready to be written by the serve handler.
type Response struct {
	Status     int
	Body       []byte
	NoRetry    bool
	RetryAfter time.Time
}

type outcome struct {
	out      []byte
	err      error
	stopped  bool
	panicked *PanicError
}

// Execute runs the function once for the call and returns the response.
func Execute(ctx context.Context, c *Call) Response {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	r := &Run{call: c, ctx: ctx, memo: c.Req.Steps, now: now, start: now(),
		checkpointOK: c.Checkpoint != nil && !c.Fn.Checkpoint.Disabled}
	if c.StepID != "" && c.StepID != wire.DiscoveryStepID {
		r.target = c.StepID
		r.checkpointOK = false
	}
	if c.Req.Ctx.DisableImmediateExecution {
		r.checkpointOK = false
	}
	r.replaying.Store(len(r.memo) > 0)
	in := &Input{
		Event:   c.Req.Event,
		Events:  c.Req.Events,
		RunID:   c.Req.Ctx.RunID,
		Attempt: c.Req.Ctx.Attempt,
		Started: len(r.memo) > 0,
	}
	main := &frame{run: r, counts: make(map[string]int, len(r.memo)+1)}
	hooks := c.Fn.Hooks
	// fctx is assigned once (a reassigned variable captured by the goroutine
	// below would move to the heap: one allocation per call without middleware).
	fctx := r.callStart(ctx)
	done := make(chan outcome, 1)
	go sdkGoroutine(func() {
		returned := false
		defer func() {
			if returned {
				return
			}
			if p := recover(); p != nil {
				pe, ok := p.(*PanicError) // re-raised from a Parallel branch, with its stack
				if !ok {
					pe = &PanicError{Value: p, Stack: string(debug.Stack())}
				}
				done <- outcome{panicked: pe}
				return
			}
			done <- outcome{stopped: true}
		}()
		out, err := c.Fn.Handler(withFrame(fctx, main), in)
		returned = true
		done <- outcome{out: out, err: err}
	})
	o := <-done
	r.finished.Store(true)
	if hooks != nil {
		var err error
		switch {
		case o.panicked != nil:
			hooks.Panic(fctx, r.callInfo(), nil, o.panicked)
			err = o.panicked
		case o.err != nil:
			err = o.err
		}
		hooks.CallEnd(fctx, r.callInfo(), err)
	}
	return r.finish(o)
}

// sdkLogger is the logger of the SDK's own diagnostics (panics, failed flushes,
// internal errors): unlike the user's replay-aware logger it is never silenced.
func (r *Run) sdkLogger() *slog.Logger {
	base := r.call.Logger
	if base == nil {
		base = slog.Default()
	}
	return base.With("run_id", r.call.Req.Ctx.RunID, "function_id", r.call.Fn.Config.ID)
}

// abandon records that the call's context was cancelled before a step started;
// it logs once.
func (r *Run) abandon() {
	if r.abandoned.CompareAndSwap(false, true) {
		r.sdkLogger().Warn("inngest: the call was cancelled (the server closed the connection or gave up on it); no further step starts in it, the server's retry runs them",
			"error", context.Cause(r.ctx))
	}
}

// report records an op for the response; an op too large for the server is
// replaced by one it accepts (boundOp).
func (r *Run) report(f *frame, op wire.Op) {
	op = boundOp(op)
	if f.race {
		op.Opts = wire.WithParallelMode(op.Opts, wire.ParallelModeRace)
	}
	r.mu.Lock()
	r.ops = append(r.ops, reported{path: f.path, op: op})
	r.mu.Unlock()
}

func (r *Run) sortedOps() []wire.Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.SortStableFunc(r.ops, func(a, b reported) int { return slices.Compare(a.path, b.path) })
	ops := make([]wire.Op, 0, len(r.buffered)+len(r.ops))
	for _, o := range r.ops {
		ops = append(ops, o.op)
	}
	return ops
}

// flush persists the buffered steps. It reports whether nothing is left buffered.
// A failed checkpoint turns checkpointing off for the rest of the call: the steps
// stay buffered and go out in the 206 instead.
func (r *Run) flush() bool {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	return r.flushLocked()
}

func (r *Run) flushLocked() bool {
	r.mu.Lock()
	buf, ok := r.buffered, r.checkpointOK
	if ok {
		r.inflight = len(buf)
	}
	r.mu.Unlock()
	if len(buf) == 0 {
		return true
	}
	if !ok {
		return false
	}
	if err := r.call.Checkpoint(context.WithoutCancel(r.ctx), buf); err != nil {
		r.sdkLogger().Warn("inngest: checkpoint failed; the buffered steps go out in the call's response instead", "error", err, "steps", len(buf))
		r.mu.Lock()
		r.checkpointOK = false
		r.inflight = 0
		r.mu.Unlock()
		return false
	}
	r.mu.Lock()
	r.buffered = r.buffered[len(buf):]
	r.inflight = 0
	// Steps buffered while the request was in flight did not arm the timer (it
	// was this flush's): arm it for the oldest of them, so that it still goes out
	// BatchInterval after it was buffered.
	rearm := len(r.buffered) > 0 && !r.closed
	since := r.waitingSince
	r.mu.Unlock()
	if d := r.call.Fn.Checkpoint.BatchInterval; rearm && d > 0 {
		r.armTimer(max(d-r.now().Sub(since), 0))
	}
	return true
}

// armTimer schedules a flush one batch interval after the first buffered step.
func (r *Run) armTimer(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(d, r.timedFlush)
		return
	}
	r.timer.Reset(d)
}

func (r *Run) timedFlush() {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if !r.closed {
		r.flushLocked()
	}
}

// close stops the interval timer and makes the last flush: it waits for a timer
// flush in progress, and no timer flush runs after it.
func (r *Run) close() bool {
	r.mu.Lock()
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.closed = true
	return r.flushLocked()
}

func (r *Run) finish(o outcome) Response {
	flushed := r.close()
	var pending []wire.Op
	if !flushed {
		r.mu.Lock()
		pending = r.buffered
		r.mu.Unlock()
	}
	ops := r.sortedOps()
	r.mu.Lock()
	fatal := r.fatal
	r.mu.Unlock()
	if fatal != nil {
		return ErrorResponse(400, "StepIDConflict", fatal.Error(), "", true, time.Time{})
	}
	if o.stopped || !flushed {
		ops = append(pending, ops...)
		if len(ops) == 0 {
			if r.abandoned.Load() {
				// Nobody reads it: the connection is gone (a retriable error, should a
				// proxy still deliver it).
				return ErrorResponse(500, "CallCancelled", "inngest: the call was cancelled before its next step started; the server retries it", "", false, time.Time{})
			}
			msg := "the function stopped without reporting a step"
			if r.target != "" {
				msg = "could not find step " + r.target + " to run"
			}
			return ErrorResponse(500, "StepNotFound", msg, "", false, time.Time{})
		}
		r.warnNondeterminism(ops)
		body, kept, err := encodeOps(ops)
		if err != nil {
			r.sdkLogger().Error("inngest: encoding the call's ops failed", "error", err)
			return ErrorResponse(500, "Error", "inngest: encoding ops: "+err.Error(), "", false, time.Time{})
		}
		if kept < len(ops) {
			r.sdkLogger().Warn("inngest: the call's steps make a response over the server's size limit; the last ones are left out and run again in the next call",
				"limit_bytes", wire.MaxResponseBytes, "steps", len(ops), "reported", kept)
			ops = ops[:kept]
		}
		resp := Response{Status: 206, Body: body}
		for _, op := range ops {
			switch op.Op {
			case wire.OpStepFailed:
				resp.NoRetry = true
			case wire.OpStepError:
				resp.RetryAfter = r.retryAfter // set by the step error (Fail)
			}
		}
		return resp
	}
	if o.panicked != nil {
		pe := o.panicked
		r.sdkLogger().Error("inngest: function panicked", "panic", pe.Error(), "stack", pe.Stack)
		return ErrorResponse(500, "Error", pe.Error(), pe.Stack, false, time.Time{})
	}
	if o.err != nil {
		fe, ok := o.err.(*FnError)
		if !ok {
			fe = &FnError{Err: o.err, Name: "Error", Message: o.err.Error()}
		}
		status := 500
		if fe.NoRetry {
			status = 400
		}
		name := fe.Name
		if name == "" {
			name = "Error"
		}
		return ErrorResponse(status, name, fe.Message, fe.Stack, fe.NoRetry, fe.RetryAfter)
	}
	out := o.out
	if len(out) == 0 {
		out = []byte("null")
	}
	if len(out) > responseBudget {
		// The server would fail the call, and each retry of it, with
		// output_too_large: replaying the steps gives the same result.
		msg := fmt.Sprintf("inngest: the function's result is %d bytes, over the server's limit of %d for a response; store large values elsewhere (a blob store) and return a reference", len(out), wire.MaxResponseBytes)
		r.sdkLogger().Error(msg)
		return ErrorResponse(400, "OutputTooLarge", msg, "", true, time.Time{})
	}
	return Response{Status: 200, Body: out}
}

// ErrorResponse builds an error response: the wire error body {name, message,
// stack} and the retry headers' values. It is the only place error bodies are made.
func ErrorResponse(status int, name, msg, stack string, noRetry bool, retryAfter time.Time) Response {
	msg, stack = truncateText(msg), truncateText(stack)
	body, _ := jsoncodec.Marshal(wire.ErrorBody{Name: name, Message: msg, Stack: stack})
	return Response{Status: status, Body: body, NoRetry: noRetry, RetryAfter: retryAfter}
}

func (r *Run) warnNondeterminism(ops []wire.Op) {
	r.mu.Lock()
	visited := len(r.visited)
	r.mu.Unlock()
	if visited >= len(r.memo) || r.target != "" {
		return
	}
	seen := make(map[string]bool, visited)
	r.mu.Lock()
	for _, h := range r.visited {
		seen[h] = true
	}
	r.mu.Unlock()
	var missing []string
	for _, h := range r.call.Req.Ctx.Stack.Stack {
		if _, ok := r.memo[h]; ok && !seen[h] {
			missing = append(missing, h)
		}
	}
	if len(missing) == 0 {
		for h := range r.memo {
			if !seen[h] {
				missing = append(missing, h)
			}
		}
		slices.Sort(missing)
	}
	var reached []string
	for _, op := range ops {
		reached = append(reached, op.Name)
	}
	r.sdkLogger().Warn("inngest: memoized steps were not reached before new steps; is the function deterministic?",
		"unreached_step_hashes", missing, "new_steps", reached)
}
