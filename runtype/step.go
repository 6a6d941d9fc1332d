package runtype

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Step describes one step of a run.
type Step struct {
	// ID is the hashed step ID (the wire ID).
	ID string
	// Name is the developer's step ID, as given in the code (e.g. "charge").
	Name string
	// Op is the last opcode reported for the step (StepRun, StepFailed, Sleep,
	// WaitForEvent, InvokeFunction, ...).
	Op string
	// Attempts counts the calls that reported this step (1 + retries).
	Attempts int
	// Result is the memoized value, exactly as sent back in steps[ID]: {"data": …}
	// for a Run step, {"error": …} for a failed one, the event for a matched wait,
	// null for a sleep or a timed-out wait; nil while pending.
	Result json.RawMessage
	// Error is the step's final error, set only when the step failed for good
	// (its error is memoized and the SDK throws it in the function).
	Error *StepError
	// LastError is the error of the step's most recent failed attempt, set as
	// soon as an attempt fails, including attempts that will be retried (then
	// Error is still nil and Done false). It is kept when a later attempt
	// succeeds, so "Done && LastError != nil" means the step succeeded after a
	// retry. The History has one "step-error" entry per retried attempt.
	LastError *StepError
	// Done reports whether the step has a memoized result.
	Done bool
	// Race reports whether the step was reported from a step.Race branch (its
	// op's parallelMode "race"): when it ends, the function is called again at
	// once, without waiting for the other steps of its parallel group.
	Race bool
}

// Data returns the step's result value: the "data" of a {"data": …} result, or
// Result itself for other steps (a wait's event).
func (s Step) Data() json.RawMessage {
	var m map[string]json.RawMessage
	if len(s.Result) > 0 && s.Result[0] == '{' && json.Unmarshal(s.Result, &m) == nil {
		if d, ok := m["data"]; ok && len(m) == 1 {
			return d
		}
	}
	return s.Result
}

// Step returns the first step named name (the step ID given in the code), or its
// n-th repeat for "name:n" (a step ID used again in a loop).
func (r Run) Step(name string) (Step, bool) {
	base, n := name, 0
	if i := strings.LastIndexByte(name, ':'); i > 0 {
		if k, err := strconv.Atoi(name[i+1:]); err == nil && k > 0 {
			base, n = name[:i], k
		}
	}
	seen := 0
	for _, s := range r.Steps {
		if s.Name == name {
			return s, true
		}
		if s.Name == base {
			if seen == n {
				return s, true
			}
			seen++
		}
	}
	return Step{}, false
}

// EventName returns the name of the run's first triggering event.
func (r Run) EventName() string {
	if len(r.Events) == 0 {
		return ""
	}
	var ev struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(r.Events[0], &ev)
	return ev.Name
}
