package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// Errors of a rerun from a step (RerunOptions.FromStep).
var (
	// ErrRerunStepNotFound: no step of the original run has that name or
	// hashed ID.
	ErrRerunStepNotFound = errors.New("inngest: rerun step not found in the original run")
	// ErrRerunStepAmbiguous: several steps of the original run have that
	// name (a step ID used more than once); name one by its hashed ID.
	ErrRerunStepAmbiguous = errors.New("inngest: rerun step name matches several steps of the original run")
)

// RerunOptions says how RerunFrom reruns a run. The zero value reruns the
// whole run, as Rerun does.
type RerunOptions struct {
	// FromStep, when not empty, is the step to rerun from: a hashed step ID
	// of the original run, or a step's name (the ID given in the code) that
	// only one of its steps has. The new run starts with the results the
	// original run stored before that step memoized, and its first call
	// targets the step when it is a Run step (a discovery call otherwise,
	// e.g. for a step that failed, a sleep or a wait), as the server does.
	// Default "": the whole run runs again.
	FromStep string
	// Input, with FromStep, is the step's replacement input, a JSON array:
	// the new run's calls carry {"input": Input} for the step until it has
	// a result (SDKs whose steps take arguments use it). Default nil: none.
	Input json.RawMessage
}

// rerunSeed is what a rerun from a step starts its new run with.
type rerunSeed struct {
	memo   []enginestore.MemoEntry
	steps  []runtype.Step
	inputs []enginestore.MemoEntry
	// target is the first call's step: a hashed ID, or DiscoveryStepID.
	target string
}

// RerunFrom starts a new run of a run's function with the same triggering
// events, whole or from a step (opts), and returns it: what
// POST /v2/runs/{id}/rerun does. The new run's OriginalRunID names the run
// first rerun. Like the server it does not check that the original run
// ended, and the rerun is not rate limited (the function's other flow
// control applies; a singleton may skip it: then the returned Run has an
// empty ID). Errors: ErrRunNotFound, ErrFunctionNotFound (the function is
// no longer synced), ErrRerunStepNotFound, ErrRerunStepAmbiguous.
func (e *Engine) RerunFrom(ctx context.Context, id string, opts RerunOptions) (runtype.Run, error) {
	if err := ctx.Err(); err != nil {
		return runtype.Run{}, err
	}
	if len(opts.Input) > 0 {
		if t := bytes.TrimSpace(opts.Input); len(t) == 0 || t[0] != '[' || !jsoncodec.Valid(t) {
			return runtype.Run{}, fmt.Errorf("inngest: rerun: the step input must be a JSON array")
		}
	}
	l := e.lock()
	defer l.unlock()
	old := l.loadRunLocked(id)
	if old == nil {
		return runtype.Run{}, fmt.Errorf("%w: %s", ErrRunNotFound, id)
	}
	fn := l.s.fns[old.FunctionID]
	if fn == nil {
		return runtype.Run{}, fmt.Errorf("%w: %s", ErrFunctionNotFound, old.FunctionID)
	}
	var seed *rerunSeed
	if opts.FromStep != "" {
		var err error
		if seed, err = seedFrom(old, opts); err != nil {
			return runtype.Run{}, err
		}
	}
	original := old.OriginalRunID
	if original == "" {
		original = old.ID
	}
	var nr *runState
	err := l.atomicLocked(func(e locked) error {
		nr = e.createRunSeededLocked(fn, old.Events, e.clock.Now(), "", old.Cron, original, seed)
		return nil
	})
	if err != nil {
		return runtype.Run{}, err
	}
	l.notifyLocked()
	e.poke()
	if nr == nil {
		return runtype.Run{}, nil
	}
	return nr.snapshot(), nil
}

// seedFrom finds the step opts.FromStep names in old and returns what the
// new run starts with: old's results stored before that step's, the step
// records of those results, the step's replacement input, and the first
// call's target.
func seedFrom(old *runState, opts RerunOptions) (*rerunSeed, error) {
	var from *runtype.Step
	ids := map[string]bool{}
	for i := range old.Steps {
		s := &old.Steps[i]
		if s.ID == opts.FromStep {
			from, ids = s, map[string]bool{s.ID: true}
			break
		}
		if s.Name == opts.FromStep && !ids[s.ID] {
			ids[s.ID] = true
			from = s
		}
	}
	switch {
	case len(ids) == 0:
		return nil, fmt.Errorf("%w: %q", ErrRerunStepNotFound, opts.FromStep)
	case len(ids) > 1:
		return nil, fmt.Errorf("%w: %q", ErrRerunStepAmbiguous, opts.FromStep)
	}
	seed := &rerunSeed{target: wire.DiscoveryStepID}
	for _, m := range old.Memo {
		if m.ID == from.ID {
			break
		}
		seed.memo = append(seed.memo, m)
	}
	kept := make(map[string]bool, len(seed.memo))
	for _, m := range seed.memo {
		kept[m.ID] = true
	}
	for _, s := range old.Steps {
		if kept[s.ID] {
			seed.steps = append(seed.steps, s)
		}
	}
	seed.steps = runtype.Run{Steps: seed.steps}.Clone().Steps
	if len(opts.Input) > 0 {
		v, err := encodeCanonical(struct {
			Input json.RawMessage `json:"input"`
		}{Input: opts.Input})
		if err != nil {
			return nil, fmt.Errorf("inngest: rerun: the step input: %w", err)
		}
		seed.inputs = []enginestore.MemoEntry{{ID: from.ID, Value: v}}
	}
	// The server targets the step when its last op was a Run step's (or is
	// unknown): a step that failed, a sleep, a wait or an invoke is
	// reached by a discovery call instead.
	switch wire.Opcode(from.Op) {
	case "", wire.OpStepRun, wire.OpStep, wire.OpStepPlanned:
		seed.target = from.ID
	}
	return seed, nil
}

// applySeed gives a new run the seed's memo, steps and inputs.
func (s *rerunSeed) apply(r *runState) {
	r.Memo = slices.Clone(s.memo)
	r.Steps = s.steps
	r.StepInputs = s.inputs
	r.StackCurrent = len(r.Memo)
}
