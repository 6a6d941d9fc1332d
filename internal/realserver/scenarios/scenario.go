package scenarios

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// Data is the data of every scenario event.
type Data struct {
	// N is the event's index in Scenario.Events (set by Scenario.Envelope).
	N int `json:"n"`
	// Key feeds the key expressions (concurrency, throttle, debounce, ...).
	Key string `json:"key,omitempty"`
	// Prio feeds priority expressions.
	Prio int `json:"prio,omitempty"`
	// V is any JSON value, for expressions comparing values of different
	// types.
	V json.RawMessage `json:"v,omitempty"`

	// FunctionID, RunID, Inngest, Error and Result are read from the lifecycle
	// events the server emits (inngest/function.finished, .failed, .cancelled);
	// scenario events never carry them.
	FunctionID string          `json:"function_id,omitempty"`
	RunID      string          `json:"run_id,omitempty"`
	Inngest    *LifecycleMeta  `json:"_inngest,omitempty"`
	Error      json.RawMessage `json:"error,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`

	// Cron, ScheduledAt and FireAt are read from inngest/scheduled.timer.
	Cron        string `json:"cron,omitempty"`
	ScheduledAt string `json:"scheduledAt,omitempty"`
	FireAt      string `json:"fireAt,omitempty"`
}

// Tick is what a cron run read in its inngest/scheduled.timer event.
type Tick struct {
	Event string `json:"event"`
	Cron  string `json:"cron"`
	// Minute reports whether scheduledAt is a whole minute.
	Minute bool `json:"minute"`
	// IDIsScheduledAt, FireAtIsScheduledAt and TSIsScheduledAt compare the
	// event's id, data.fireAt and ts with data.scheduledAt.
	IDIsScheduledAt     bool `json:"id_is_scheduled_at"`
	FireAtIsScheduledAt bool `json:"fire_at_is_scheduled_at"`
	TSIsScheduledAt     bool `json:"ts_is_scheduled_at"`
}

// LifecycleMeta is the _inngest object of a lifecycle event.
type LifecycleMeta struct {
	Status string `json:"status,omitempty"`
}

// Saw is what a run started by a lifecycle event read in it.
type Saw struct {
	// Event is the lifecycle event's name.
	Event string `json:"event"`
	// Function is the slug of the function whose run the event reports on.
	Function string `json:"function"`
	// Status is the event's _inngest.status.
	Status string `json:"status"`
	// IDIsRunID reports whether the event's id is the reported run's id.
	IDIsRunID bool `json:"id_is_run_id"`
	// Error and Result are the event's error and result, as sent.
	Error  json.RawMessage `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// Result is what a scenario function returns: the N of every event it received
// and, for a function that invokes another, the invoked run's output or error.
type Result struct {
	N           []int   `json:"n"`
	Invoked     *Result `json:"invoked,omitempty"`
	InvokeError string  `json:"invoke_error,omitempty"`
	// Saw is set for a run started by a lifecycle event.
	Saw *Saw `json:"saw,omitempty"`
	// Tick is set for a cron run.
	Tick *Tick `json:"tick,omitempty"`
}

// Event is one event a scenario sends. Events with the same At are sent in one
// request, in order.
type Event struct {
	// At is the send offset from the scenario's start.
	At time.Duration
	// Name is the full event name.
	Name string
	// Data is sent as the event's data; N is overwritten with the event's index.
	Data Data
	// CancelRunsOf, for an action (an Event with no Name), is the index of the
	// event whose runs the action cancels through DELETE /v1/runs/{id}.
	CancelRunsOf int
}

// Fn is one function of a scenario. Its body, in order: a step "work" that spends
// Hold (skipped when zero), a step.Sleep "nap" of Sleep (skipped when zero), a
// step.Invoke "call" of the function whose slug is Invoke (skipped when empty, with
// InvokeTimeout), then it returns a Result.
type Fn struct {
	// Opts configure the function; Opts.ID is its slug.
	Opts inngest.FunctionOpts
	// On is the triggering event name; empty means invoke-only. Every event name
	// triggers at most one function of a scenario.
	On            string
	Hold          time.Duration
	Sleep         time.Duration
	Invoke        string
	InvokeTimeout time.Duration
	// If is the trigger's expression (with On).
	If string
	// Fail makes the function fail for good (a non-retriable error) at its end.
	Fail bool
	// Cron, when set, triggers the function on that schedule (instead of On).
	Cron string
}

// Scenario is a script: functions, and events sent at offsets.
type Scenario struct {
	// Name names the recording file (testdata/realserver/<Name>.json) and the app
	// ("rs-<Name>").
	Name string
	// About says what the scenario checks.
	About string
	// Functions are served by one app.
	Functions []Fn
	// Events are sent at their offsets, sorted by At.
	Events []Event
	// Settle is how long after the last event runs are still watched (at least until
	// every run is final).
	Settle time.Duration
	// Strict compares which events each run received. Leave it false when events
	// sent together may be taken in any order (the server handles them
	// concurrently): then only the number of events per run is compared.
	Strict bool
	// Tolerance is how far a run's start and end may differ from the recording.
	// Default: DefaultTolerance.
	Tolerance time.Duration
	// AlignMinute makes the recorder sync the app 3 s after a whole minute of
	// its clock, so that the scenario starts (offset 0, after the sync's 2 s)
	// about 5 s into a minute and no cron tick falls before it; the replay's
	// clock starts on a whole minute, so its ticks come about 5 s later.
	AlignMinute bool
}

// DefaultTolerance absorbs the server's scheduling latency (its queue tick and
// polling) when timings are compared.
const DefaultTolerance = 1500 * time.Millisecond

// AppID is the app the scenario's functions are served by.
func (s *Scenario) AppID() string { return "rs-" + s.Name }

// Horizon is the offset until which the scenario's runs are watched at least.
func (s *Scenario) Horizon() time.Duration {
	var last time.Duration
	for _, e := range s.Events {
		last = max(last, e.At)
	}
	return last + s.Settle
}

// Tol returns Tolerance or its default.
func (s *Scenario) Tol() time.Duration {
	if s.Tolerance > 0 {
		return s.Tolerance
	}
	return DefaultTolerance
}

// Envelope returns event i as sent (its Data.N set to i).
func (s *Scenario) Envelope(i int) events.Event[Data] {
	e := s.Events[i]
	d := e.Data
	d.N = i
	return events.Define[Data](e.Name).New(d)
}

// Group is the events sent together at one offset, by index.
type Group struct {
	At      time.Duration
	Indexes []int
}

// Groups returns the events grouped by offset, earliest first.
func (s *Scenario) Groups() []Group {
	idx := make([]int, len(s.Events))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.Events[idx[a]].At < s.Events[idx[b]].At })
	var out []Group
	for _, i := range idx {
		if n := len(out); n > 0 && out[n-1].At == s.Events[i].At {
			out[n-1].Indexes = append(out[n-1].Indexes, i)
			continue
		}
		out = append(out, Group{At: s.Events[i].At, Indexes: []int{i}})
	}
	return out
}

// SlugFor returns the slug of the function triggered by event name, or "".
func (s *Scenario) SlugFor(name string) string {
	for _, f := range s.Functions {
		if f.On == name {
			return f.Opts.ID
		}
	}
	return ""
}

// Runtime is what a scenario's functions need from the driver.
type Runtime interface {
	// Hold spends d inside a step: the recorder sleeps, the replay waits until its
	// virtual clock has moved by d.
	Hold(ctx context.Context, d time.Duration)
	// Now reads the driver's clock.
	Now() time.Time
}

// All returns every scenario, by name.
func All() []*Scenario {
	out := append(flowScenarios(), lifecycleScenarios()...)
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Lookup returns the scenario called name, or nil.
func Lookup(name string) *Scenario {
	for _, s := range All() {
		if s.Name == name {
			return s
		}
	}
	return nil
}
