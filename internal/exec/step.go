package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"time"

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
	r.mu.Lock()
	n := f.counts[id]
	f.counts[id] = n + 1
	r.mu.Unlock()
	return Step{f: f, ID: id, Index: n, Hash: wire.HashID(id, n)}, nil
}

// Memo returns the memoized value of the step, if the server sent one. A present key
// with a null value is a completed step (sleep, timed-out wait).
func (s *Step) Memo() (json.RawMessage, bool) {
	r := s.f.run
	raw, ok := r.memo[s.Hash]
	if !ok || isInputOnly(raw) {
		return nil, false
	}
	r.mu.Lock()
	r.visited = append(r.visited, s.Hash)
	all := len(r.visited) >= len(r.memo)
	r.mu.Unlock()
	if all {
		r.replaying.Store(false)
	}
	return raw, true
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
	if err := json.Unmarshal(raw, &probe); err != nil {
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
// called from the goroutine that owns ctx.
func (s *Step) Decide(kind Kind) (Decision, error) {
	f := s.f
	r := f.run
	if goid() != f.gid {
		return Skip, ErrStray
	}
	r.replaying.Store(false)
	if f.parallel {
		r.mu.Lock()
		if r.claimed == nil {
			r.claimed = make(map[string][]int)
		}
		if p, ok := r.claimed[s.Hash]; ok && !samePath(p, f.path) {
			r.fatal = ErrDuplicateID
			r.mu.Unlock()
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
	ran := r.ranSteps
	r.mu.Unlock()
	if ran > 0 {
		if !r.checkpointOK {
			return Plan, nil
		}
		if max := r.call.Fn.Checkpoint.MaxRuntime; max > 0 && r.now().Sub(r.start) >= max {
			return Plan, nil
		}
	}
	return RunNow, nil
}

func samePath(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// StepContext returns the context to pass to a step's own code: step tools called
// with it report ErrNested.
func (s *Step) StepContext(ctx context.Context) context.Context {
	inner := *s.f
	inner.inStep = true
	inner.stepID = s.ID
	return withFrame(ctx, &inner)
}

// Attempt is the zero-based attempt of this call and MaxAttempts the total allowed.
func (s *Step) Attempt() (attempt, maxAttempts int) {
	c := s.f.run.call.Req.Ctx
	return c.Attempt, c.MaxAttempts
}

// Userland returns the display-only id information of the step.
func (s *Step) Userland() *wire.Userland {
	return &wire.Userland{ID: s.ID, Index: s.Index}
}

// Stop reports op (when non-nil) and ends the calling goroutine with runtime.Goexit,
// which deferred functions and recover() in user code cannot stop.
func (s *Step) Stop(op *wire.Op) {
	if op != nil {
		s.f.run.report(s.f, *op)
	}
	runtime.Goexit()
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

// Done records a successfully executed Run step. With checkpointing it buffers the
// op, flushes when the batch is full, and returns so the function goes on; otherwise
// it reports the op and stops.
func (s *Step) Done(ctx context.Context, op wire.Op) {
	f := s.f
	r := f.run
	if r.target != "" || f.parallel || !r.checkpointOK {
		s.Stop(&op)
	}
	cfg := r.call.Fn.Checkpoint
	r.mu.Lock()
	r.ranSteps++
	if len(r.buffered) == 0 {
		r.bufferedAt = r.now()
	}
	r.buffered = append(r.buffered, op)
	n := len(r.buffered)
	since := r.bufferedAt
	r.mu.Unlock()
	batch := cfg.BatchSteps
	if batch <= 0 {
		batch = 1
	}
	if n >= batch || (cfg.BatchInterval > 0 && r.now().Sub(since) >= cfg.BatchInterval) {
		if !r.flush(ctx) {
			// Fall back to the classic protocol: the buffered steps go out in the 206.
			r.mu.Lock()
			r.checkpointOK = false
			r.mu.Unlock()
			runtime.Goexit()
		}
	}
}

// RunFinished reports whether the call that owns ctx has ended.
func RunFinished(ctx context.Context) bool {
	f := frameFrom(ctx)
	return f != nil && f.run.finished.Load()
}

// SenderFrom returns the Call's Sender for the run that owns ctx.
func SenderFrom(ctx context.Context) any {
	f := frameFrom(ctx)
	if f == nil {
		return nil
	}
	return f.run.call.Sender
}

// InRun reports whether ctx belongs to a function run.
func InRun(ctx context.Context) bool { return frameFrom(ctx) != nil }
