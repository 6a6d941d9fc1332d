package inngesttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Run statuses, the runtype values (Run.Status is a runtype.Status, the type
// the engine and inngest/api use), repeated here so a test needs one import.
const (
	StatusQueued    = runtype.StatusQueued
	StatusRunning   = runtype.StatusRunning
	StatusCompleted = runtype.StatusCompleted
	StatusFailed    = runtype.StatusFailed
	StatusCancelled = runtype.StatusCancelled
)

// Run is a snapshot of one function run.
type Run struct {
	// ID is the run id.
	ID string
	// AppID is the id of the app that owns the function.
	AppID string
	// FunctionID is the function's full id ("<app id>-<slug>").
	FunctionID string
	// Status is the run's status.
	Status runtype.Status
	// Output is the function's result as JSON when it completed, or the SDK's
	// error body when it failed.
	Output json.RawMessage
	// Error describes why the run failed or was cancelled; nil otherwise.
	Error *RunError
	// EventIDs are the ids of the triggering events.
	EventIDs []string
	// Events are the triggering events as the function received them.
	Events []json.RawMessage
	// StartedAt and EndedAt are virtual times.
	StartedAt, EndedAt time.Time
	// Steps lists the steps the engine saw, in the order their results were
	// stored. Mocked steps are not listed.
	Steps []Step
	// Attempts is the number of function-level attempts.
	Attempts int
	// Calls is the number of HTTP calls made to the app for the run.
	Calls int
	// ParentRunID is set for a run started by step.Invoke.
	ParentRunID string
	// Engine is the engine's snapshot, with the run's history.
	Engine runtype.Run
}

// RunError describes a failed or cancelled run.
type RunError struct {
	// Name is the error's name, e.g. "Error", "StepError", "NonRetriableError".
	Name string
	// Message is the error message.
	Message string
}

// Step is one step of a run.
type Step struct {
	// ID is the step id given in the code (e.g. "charge").
	ID string
	// Hash is the step's wire id.
	Hash string
	// Op is the last opcode reported for the step (StepRun, StepFailed, Sleep,
	// WaitForEvent, InvokeFunction, ...).
	Op string
	// Attempts counts the attempts of the step (1 + retries).
	Attempts int
	// Result is the memoized value as the SDK receives it: {"data": …} for a Run
	// step, {"error": …} for a failed one, the event for a matched wait, null
	// for a sleep or a timed-out wait; nil while pending.
	Result json.RawMessage
	// Error is the step's final error, if it failed.
	Error *StepError
	// Done reports whether the step has a result.
	Done bool
}

// StepError is a step's final error.
type StepError struct {
	// Name is the error's name, e.g. "Error".
	Name string
	// Message is the error message of the last attempt.
	Message string
}

// Data returns the step's result value: the "data" of a {"data": …} result, or
// Result itself for other steps (a wait's event).
func (s Step) Data() json.RawMessage {
	var m map[string]json.RawMessage
	if len(s.Result) > 0 && s.Result[0] == '{' && jsoncodec.Unmarshal(s.Result, &m) == nil {
		if d, ok := m["data"]; ok && len(m) == 1 {
			return d
		}
	}
	return s.Result
}

func fromEngine(r runtype.Run) Run {
	out := Run{
		ID: r.ID, AppID: r.AppID, FunctionID: r.FunctionID, Status: r.Status, Output: r.Output,
		EventIDs: r.EventIDs, Events: r.Events, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		Attempts: r.Attempts, Calls: r.Calls, ParentRunID: r.ParentRunID, Engine: r,
	}
	if r.Error != nil {
		out.Error = &RunError{Name: r.Error.Name, Message: r.Error.Message}
	}
	for _, s := range r.Steps {
		st := Step{ID: s.Name, Hash: s.ID, Op: s.Op, Attempts: s.Attempts, Result: s.Result, Done: s.Done}
		if s.Error != nil {
			st.Error = &StepError{Name: s.Error.Name, Message: s.Error.Message}
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}

func fromEngineAll(rs []runtype.Run) []Run {
	out := make([]Run, len(rs))
	for i, r := range rs {
		out[i] = fromEngine(r)
	}
	return out
}

// Step returns the first step with the code id id ("id:n" for the n-th repeat).
func (r Run) Step(id string) (Step, bool) {
	base, n := id, 0
	if i := strings.LastIndexByte(id, ':'); i > 0 {
		if _, err := fmt.Sscan(id[i+1:], &n); err == nil && n > 0 {
			base = id[:i]
		} else {
			n = 0
		}
	}
	seen := 0
	for _, s := range r.Steps {
		if s.ID == id {
			return s, true
		}
		if s.ID == base {
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
	_ = jsoncodec.Unmarshal(r.Events[0], &ev)
	return ev.Name
}

// String renders the run for failure messages: status, error, steps and history.
func (r Run) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s of %s: %s", r.ID, r.FunctionID, r.Status)
	if ev := r.EventName(); ev != "" {
		fmt.Fprintf(&b, " (event %s", ev)
		if len(r.EventIDs) > 0 {
			fmt.Fprintf(&b, " %s", r.EventIDs[0])
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", attempts %d, calls %d\n", r.Attempts, r.Calls)
	if r.Error != nil {
		fmt.Fprintf(&b, "    error: %s: %s\n", r.Error.Name, r.Error.Message)
	}
	if len(r.Output) > 0 {
		fmt.Fprintf(&b, "    output: %s\n", clip(r.Output, 300))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "    step %q %s attempts=%d done=%t", s.ID, s.Op, s.Attempts, s.Done)
		if s.Error != nil {
			fmt.Fprintf(&b, " error=%q", s.Error.Message)
		} else if len(s.Result) > 0 {
			fmt.Fprintf(&b, " result=%s", clip(s.Result, 120))
		}
		b.WriteString("\n")
	}
	hist := r.Engine.History
	if len(hist) > maxHistory {
		// The engine itself may have dropped some (runtype.MaxHistory).
		fmt.Fprintf(&b, "    … %d earlier history entries\n", len(hist)-maxHistory+r.Engine.HistoryDropped)
		hist = hist[len(hist)-maxHistory:]
	}
	for _, h := range hist {
		fmt.Fprintf(&b, "    %s %-10s %s", h.Time.Format("2006-01-02T15:04:05.000"), h.Kind, h.StepID)
		if h.Status != 0 {
			fmt.Fprintf(&b, " %d", h.Status)
		}
		if h.Detail != "" {
			fmt.Fprintf(&b, " %s", h.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// maxHistory bounds the history entries shown per run.
const maxHistory = 40

func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// DecodeOutput decodes a completed run's output into T, failing the test when
// the run did not complete or the output does not decode.
func DecodeOutput[T any](t testing.TB, run Run) T {
	t.Helper()
	var v T
	if run.Status != StatusCompleted {
		t.Fatalf("inngesttest: run did not complete:\n%s", run)
	}
	if err := jsoncodec.Unmarshal(run.Output, &v); err != nil {
		t.Fatalf("inngesttest: decoding the output %s as %T: %v\n%s", clip(run.Output, 300), v, err, run)
	}
	return v
}

// DecodeStep decodes the result of step id of run into T (the data of a Run
// step, or the event received by a wait), failing the test when the step is
// missing, not done, failed, or does not decode.
func DecodeStep[T any](t testing.TB, run Run, id string) T {
	t.Helper()
	var v T
	s, ok := run.Step(id)
	if !ok {
		t.Fatalf("inngesttest: run has no step %q:\n%s", id, run)
	}
	if !s.Done || s.Error != nil {
		t.Fatalf("inngesttest: step %q has no successful result:\n%s", id, run)
	}
	if err := jsoncodec.Unmarshal(s.Data(), &v); err != nil {
		t.Fatalf("inngesttest: decoding step %q's result %s as %T: %v\n%s", id, clip(s.Data(), 300), v, err, run)
	}
	return v
}
