package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Step is one step call in progress, obtained with Begin.
type Step struct {
	f     *frame
	ID    string // the developer's id
	Index int    // how many times ID was used before in this call
	Hash  string // hashed id, with the :n suffix applied
}

// Begin starts a step call: it hashes id with its repeat index and records it. The
// Step is returned by value so that it stays on the caller's stack: the hashed id is
// the only allocation.
//
// A frame runs one step at a time: a step begun while another step of the same
// ctx is in progress (ErrStray), or after the frame's goroutine was stopped (a
// deferred function calling a step after a step was reported: ErrRunFinished), is
// refused.
func Begin(ctx context.Context, id string) (Step, error) {
	f := frameFrom(ctx)
	if f == nil {
		return Step{}, ErrNoRun
	}
	r := f.run
	if r.finished.Load() {
		return Step{}, ErrRunFinished
	}
	if f.inStep {
		return Step{}, ErrNested
	}
	if !f.state.CompareAndSwap(frameIdle, frameBusy) {
		if f.state.Load() == frameStopped {
			return Step{}, ErrRunFinished
		}
		return Step{}, ErrStray
	}
	r.mu.Lock()
	n, h := f.claim(id)
	r.mu.Unlock()
	return Step{f: f, ID: id, Index: n, Hash: h}, nil
}

// claim picks the repeat index of id and its hashed id. The n-th use of id
// hashes id + ":" + n (PROTOCOL §5.1; the spec's rule, and the official Go
// SDK's), except that an index whose hashed id is already taken in this
// execution, by a step literally named like it ("charge:1" next to a repeated
// "charge"), is skipped, as the JavaScript SDK does: every step of an execution
// gets its own memo. In the common case (no such name) the ids are the same as
// the spec's.
func (f *frame) claim(id string) (int, string) {
	n := f.counts[id]
	h := wire.HashID(id, n)
	// Only a pre-hash id with a colon can equal another step's: the one of a
	// repeat (n > 0) or a developer's id with a colon. Others are not tracked,
	// so the common case costs nothing.
	if n > 0 || strings.IndexByte(id, ':') >= 0 {
		for {
			if _, taken := f.taken[h]; !taken {
				break
			}
			n++
			h = wire.HashID(id, n)
		}
		if f.taken == nil {
			f.taken = make(map[string]struct{})
		}
		f.taken[h] = struct{}{}
	}
	f.counts[id] = n + 1
	return n, h
}

// Memo returns the memoized value of the step, if the server sent one. A present key
// with a null value is a completed step (sleep, timed-out wait).
func (s *Step) Memo() (json.RawMessage, bool) {
	r := s.f.run
	raw, ok := r.memo[s.Hash]
	if !ok || isInputOnly(raw) {
		return nil, false
	}
	s.f.release()
	r.mu.Lock()
	if s.f.race {
		s.f.lastPos = max(s.f.lastPos, r.stackPosLocked(s.Hash))
	}
	r.visited = append(r.visited, s.Hash)
	all := len(r.visited) >= len(r.memo)
	r.mu.Unlock()
	if all {
		r.replaying.Store(false)
	}
	return raw, true
}

// stackPosLocked returns the position of the memoized step hash in ctx.stack,
// len(stack) when it is not there (a stack the server left out).
func (r *Run) stackPosLocked(hash string) int {
	stack := r.call.Req.Ctx.Stack.Stack
	if r.stackPos == nil {
		r.stackPos = make(map[string]int, len(stack))
		for i, h := range stack {
			if _, dup := r.stackPos[h]; !dup {
				r.stackPos[h] = i
			}
		}
	}
	if p, ok := r.stackPos[hash]; ok {
		return p
	}
	return len(stack)
}

// isInputOnly reports whether a memo entry is only a stored input ({"input": …}),
// which is not a result. The common case (no "input" key anywhere) costs one
// vectorised byte search and no allocation.
func isInputOnly(raw json.RawMessage) bool {
	if len(raw) < 8 || raw[0] != '{' || !bytes.Contains(raw, inputKey) {
		return false
	}
	return probeInputOnly(raw)
}

var inputKey = []byte(`"input"`)

// probeInputOnly decodes the memo's top-level keys; it is a separate function so
// that the probe is only heap-allocated when it is needed.
func probeInputOnly(raw json.RawMessage) bool {
	var probe struct {
		Input json.RawMessage `json:"input"`
		Data  json.RawMessage `json:"data"`
		Error json.RawMessage `json:"error"`
		ID    json.RawMessage `json:"id"`
	}
	if err := jsoncodec.Unmarshal(raw, &probe); err != nil {
		return false
	}
	return probe.Input != nil && probe.Data == nil && probe.Error == nil && probe.ID == nil
}

// Decision says what a step that has no memo must do.
type Decision int

// Decisions for a step without a memo.
const (
	// RunNow executes the step's code now (immediate or targeted execution).
	RunNow Decision = iota
	// Plan: report StepPlanned (Run steps) and stop.
	Plan
	// Report the step's own op (sleep, wait, invoke) and stop.
	Report
	// Skip: stop without reporting (a targeted call for another step).
	Skip
)

// Kind is the kind of step being decided.
type Kind int

// Step kinds.
const (
	KindRun Kind = iota
	KindAsync
)

// Decide chooses what a step without a memo does. It also checks that the step is
// called from a goroutine the SDK started for the function or a Parallel branch.
func (s *Step) Decide(kind Kind) (Decision, error) {
	f := s.f
	r := f.run
	if !onSDKGoroutine() {
		f.release()
		return Skip, ErrStray
	}
	r.replaying.Store(false)
	if r.ctx.Err() != nil {
		// The server gave up on the call (it closed the connection, or it
		// restarted) and will retry it: a step started now would run again on the
		// retry, and nothing reported now can reach the server. Stop without
		// starting it; what the call completed is still persisted (finish).
		r.abandon()
		f.release()
		return Skip, nil
	}
	if f.parallel {
		r.mu.Lock()
		if r.claimed == nil {
			r.claimed = make(map[string][]int)
		}
		if p, ok := r.claimed[s.Hash]; ok && !slices.Equal(p, f.path) {
			r.fatal = ErrDuplicateID
			r.mu.Unlock()
			f.release()
			return Skip, ErrDuplicateID
		}
		r.claimed[s.Hash] = f.path
		r.mu.Unlock()
	}
	if r.target != "" {
		if kind == KindRun && s.Hash == r.target {
			return RunNow, nil
		}
		return Skip, nil
	}
	if kind == KindAsync {
		return Report, nil
	}
	if f.parallel || r.call.Req.Ctx.DisableImmediateExecution {
		return Plan, nil
	}
	r.mu.Lock()
	ran, ok, planRest := r.ranSteps, r.checkpointOK, r.planRest
	r.mu.Unlock()
	if planRest {
		return Plan, nil
	}
	if ran > 0 {
		if !ok {
			return Plan, nil
		}
		if max := r.call.Fn.Checkpoint.MaxRuntime; max > 0 && r.now().Sub(r.start) >= max {
			return Plan, nil
		}
	}
	return RunNow, nil
}

// StepContext returns the context to pass to a step's own code: step tools called
// with it report ErrNested.
func (s *Step) StepContext(ctx context.Context) context.Context {
	f := s.f
	inner := &frame{run: f.run, path: f.path, parallel: f.parallel, race: f.race, inStep: true, stepID: s.ID, stepHash: s.Hash, counts: f.counts, taken: f.taken}
	return withFrame(ctx, inner)
}

// Attempt is the zero-based attempt of this step and MaxAttempts the total
// allowed: the call's. Every step executed in a call is on the call's attempt
// as the server counts it: the server judges a step error by the attempt of the
// call that reported it (its executor keeps the call's count even when a
// checkpoint resets the stored one), and a retried call executes one step only
// (Done), so a step after it starts in a new call, at attempt 0.
func (s *Step) Attempt() (attempt, maxAttempts int) {
	c := s.f.run.call.Req.Ctx
	return c.Attempt, c.MaxAttempts
}

// Userland returns the display-only id information of the step.
func (s *Step) Userland() *wire.Userland {
	return &wire.Userland{ID: s.ID, Index: s.Index}
}

// DecideAsync decides a step that has its own op (sleep, wait, invoke,
// signal, fetch, inference) and no memo: it returns nil when the caller must
// report the op (with Stop), ends the goroutine without reporting (Stop(nil))
// when the call targets another step, and returns Decide's error otherwise.
func (s *Step) DecideAsync() error {
	d, err := s.Decide(KindAsync)
	if err != nil {
		return err
	}
	if d == Skip {
		s.Stop(nil)
	}
	return nil
}

// Stop reports op (when non-nil) and ends the calling goroutine with runtime.Goexit,
// which deferred functions and recover() in user code cannot stop. Steps called by
// deferred functions while it unwinds get ErrRunFinished.
func (s *Step) Stop(op *wire.Op) {
	if op != nil {
		s.f.run.report(s.f, *op)
	}
	s.f.stop()
}

// Fail reports a failed attempt (StepError or StepFailed) and stops.
func (s *Step) Fail(op wire.Op, retryAfter time.Time) {
	r := s.f.run
	if !retryAfter.IsZero() {
		r.mu.Lock()
		r.retryAfter = retryAfter
		r.mu.Unlock()
	}
	s.Stop(&op)
}

// LogPanic logs a panic recovered from the step's code with the SDK's logger,
// which replay does not silence.
func (s *Step) LogPanic(pe *PanicError) {
	s.f.run.sdkLogger().Error("inngest: step panicked", "step_id", s.ID, "panic", pe.Error(), "stack", pe.Stack)
}

// Done records a successfully executed Run step. With checkpointing it buffers the
// op, flushes when the batch is full (a timer flushes it one batch interval after
// the first buffered step otherwise), and returns so the function goes on; without
// checkpointing, and in a retried call (attempt > 0), it reports the op and stops.
func (s *Step) Done(op wire.Op) {
	f := s.f
	r := f.run
	if r.target != "" || f.parallel {
		s.Stop(&op)
	}
	if wire.CheckOpSize(&op) != nil {
		s.Stop(&op) // reported as a StepFailed (boundOp), never buffered
	}
	if r.call.Req.Ctx.Attempt > 0 {
		// A retry: the server counts every step this call executes as on the
		// call's attempt, so a step run after this one would start with the
		// retried step's used-up attempts. Report this one and let the next
		// start in a new call at attempt 0, with its full retries.
		s.Stop(&op)
	}
	r.mu.Lock()
	if !r.checkpointOK {
		r.mu.Unlock()
		s.Stop(&op)
	}
	r.ranSteps++
	// first: no other buffered step waits for the timer. While a checkpoint
	// request is in flight the timer is re-armed by that flush when it returns.
	first := len(r.buffered) == r.inflight
	inflight := r.inflight > 0
	if first {
		r.waitingSince = r.now()
	}
	if cap(r.buffered) == 0 {
		r.buffered = make([]wire.Op, 0, 4) // one allocation for the usual few steps
	}
	r.buffered = append(r.buffered, op)
	n := len(r.buffered)
	r.mu.Unlock()
	cfg := r.call.Fn.Checkpoint
	batch := max(cfg.BatchSteps, 1)
	if n >= batch {
		if !r.flush() {
			// Fall back to the classic protocol: the buffered steps go out in the 206.
			f.stop()
		}
	} else if first && !inflight && cfg.BatchInterval > 0 {
		r.armTimer(cfg.BatchInterval)
	}
	f.release()
}

// SenderFrom returns the Call's Sender for the run that owns ctx, nil outside
// a run or when the call has none.
func SenderFrom(ctx context.Context) Sender {
	f := frameFrom(ctx)
	if f == nil {
		return nil
	}
	return f.run.call.Sender
}
