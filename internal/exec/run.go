package exec

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	// Nil disables checkpointing for this call.
	Checkpoint func(ctx context.Context, ops []wire.Op) error
	// Sender is handed to step.SendEvent (the *inngest.Client).
	Sender any
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type reported struct {
	path []int
	op   wire.Op
}

// Run is the state of one executing call.
type Run struct {
	call   *Call
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
	bufferedAt   time.Time
	ranSteps     int
	retryAfter   time.Time
	checkpointOK bool

	replaying atomic.Bool
	finished  atomic.Bool
	logger    atomic.Pointer[slog.Logger]
}

type frame struct {
	run      *Run
	gid      uint64
	path     []int
	parallel bool
	inStep   bool
	stepID   string
	counts   map[string]int
}

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
	// Ops are the reported ops when Status is 206 (Body holds them encoded).
	Ops []wire.Op
}

type outcome struct {
	out      []byte
	err      error
	stopped  bool
	panicked any
	stack    []byte
}

// Execute runs the function once for the call and returns the response.
func Execute(ctx context.Context, c *Call) Response {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	r := &Run{call: c, memo: c.Req.Steps, now: now, start: now(), checkpointOK: c.Checkpoint != nil && !c.Fn.Checkpoint.Disabled}
	if c.StepID != "" && c.StepID != wire.DiscoveryStepID {
		r.target = c.StepID
		r.checkpointOK = false
	}
	if c.Req.Ctx.DisableImmediateExecution {
		r.checkpointOK = false
	}
	r.replaying.Store(len(r.memo) > 0)
	in := &Input{
		Event:       c.Req.Event,
		Events:      c.Req.Events,
		RunID:       c.Req.Ctx.RunID,
		FnID:        c.Req.Ctx.FnID,
		Attempt:     c.Req.Ctx.Attempt,
		MaxAttempts: c.Req.Ctx.MaxAttempts,
	}
	main := &frame{run: r, counts: make(map[string]int, len(r.memo)+1)}
	done := make(chan outcome, 1)
	go func() {
		main.gid = goid()
		returned := false
		defer func() {
			if returned {
				return
			}
			if p := recover(); p != nil {
				done <- outcome{panicked: p, stack: stackOf()}
				return
			}
			done <- outcome{stopped: true}
		}()
		out, err := c.Fn.Handler(withFrame(ctx, main), in)
		returned = true
		done <- outcome{out: out, err: err}
	}()
	o := <-done
	r.finished.Store(true)
	return r.finish(ctx, o)
}

// report records an op for the response.
func (r *Run) report(f *frame, op wire.Op) {
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

// flush persists buffered steps; on failure they stay buffered.
func (r *Run) flush(ctx context.Context) bool {
	r.mu.Lock()
	buf := r.buffered
	r.mu.Unlock()
	if len(buf) == 0 {
		return true
	}
	if err := r.call.Checkpoint(ctx, buf); err != nil {
		r.Logger().Warn("inngest: checkpoint failed; falling back to a 206 response", "error", err, "steps", len(buf))
		return false
	}
	r.mu.Lock()
	r.buffered = r.buffered[len(buf):]
	r.mu.Unlock()
	return true
}

func (r *Run) finish(ctx context.Context, o outcome) Response {
	// A flush that already failed inside the function turned checkpointing off: the
	// buffered steps then go out in the 206 rather than through a second attempt.
	r.mu.Lock()
	stillOK := r.checkpointOK
	r.mu.Unlock()
	flushed := stillOK && r.flush(ctx)
	if !stillOK {
		r.mu.Lock()
		flushed = len(r.buffered) == 0
		r.mu.Unlock()
	}
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
		return errorResponse(400, "StepIDConflict", fatal.Error(), true, time.Time{})
	}
	if o.stopped || !flushed {
		ops = append(pending, ops...)
		if len(ops) == 0 {
			msg := "the function stopped without reporting a step"
			if r.target != "" {
				msg = "could not find step " + r.target + " to run"
			}
			return errorResponse(500, "StepNotFound", msg, false, time.Time{})
		}
		r.warnNondeterminism(ops)
		body, err := wire.Marshal(ops)
		if err != nil {
			return errorResponse(500, "Error", "inngest: encoding ops: "+err.Error(), false, time.Time{})
		}
		resp := Response{Status: 206, Body: body, Ops: ops, RetryAfter: r.retryAfter}
		for _, op := range ops {
			if op.Op == wire.OpStepFailed {
				resp.NoRetry = true
			}
		}
		return resp
	}
	if o.panicked != nil {
		r.Logger().Error("inngest: function panicked", "panic", o.panicked, "stack", string(o.stack))
		return errorResponse(500, "Error", panicMessage(o.panicked), false, time.Time{})
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
		return errorResponse(status, name, fe.Message, fe.NoRetry, fe.RetryAfter)
	}
	out := o.out
	if len(out) == 0 {
		out = []byte("null")
	}
	return Response{Status: 200, Body: out}
}

func errorResponse(status int, name, msg string, noRetry bool, retryAfter time.Time) Response {
	body, _ := wire.Marshal(wire.ErrorBody{Name: name, Message: msg})
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
	r.Logger().Warn("inngest: memoized steps were not reached before new steps; is the function deterministic?",
		"unreached_step_hashes", missing, "new_steps", reached)
}
