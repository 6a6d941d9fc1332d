package scenarios

import (
	"encoding/json"
	"slices"
	"sort"
)

// Recording is what one run of a scenario did; testdata/realserver/README.md
// documents it. Offsets are milliseconds from the moment the first event was sent.
type Recording struct {
	// Scenario is the scenario's name; About its description.
	Scenario string `json:"scenario"`
	About    string `json:"about"`
	// Server describes the server recorded.
	Server Server `json:"server"`
	// Functions holds each function's configuration as synced.
	Functions []FunctionConfig `json:"functions"`
	// Events lists the events as sent.
	Events []SentEvent `json:"events"`
	// Runs lists every run the run API or the app saw, by function then start.
	Runs []RecordedRun `json:"runs"`
}

// Server identifies what was recorded.
type Server struct {
	// Kind is "inngest dev" for the real dev server.
	Kind string `json:"kind"`
	// Commit is the server source's commit.
	Commit string `json:"commit"`
	// TickMS is the server's queue poll interval (dev --tick).
	TickMS int `json:"tick_ms"`
}

// FunctionConfig is one function's synced configuration.
type FunctionConfig struct {
	Slug   string          `json:"slug"`
	Config json.RawMessage `json:"config"`
}

// SentEvent is one event as sent.
type SentEvent struct {
	Index    int             `json:"index"`
	Name     string          `json:"name"`
	Data     json.RawMessage `json:"data"`
	OffsetMS int64           `json:"offset_ms"`
	ID       string          `json:"id"`
}

// RecordedRun is one run.
type RecordedRun struct {
	// Function is the function's slug.
	Function string `json:"function"`
	RunID    string `json:"run_id"`
	// Events are the indexes of the events the run received (as the app saw them;
	// for a run that never called the app, the events it is listed under).
	Events []int `json:"events"`
	// ListedUnder are the indexes of the events whose GET /v1/events/{id}/runs lists
	// the run.
	ListedUnder []int `json:"listed_under"`
	// Status is the run API's status.
	Status string `json:"status"`
	// QueuedMS is the run API's run_started_at (when the run was created).
	QueuedMS int64 `json:"queued_ms"`
	// StartMS is when the app was first called for the run; -1 if never.
	StartMS int64 `json:"start_ms"`
	// EndMS is the run API's ended_at; -1 if unset.
	EndMS int64 `json:"end_ms"`
	// Output is the run API's output (the return value, or the error).
	Output json.RawMessage `json:"output,omitempty"`
}

// Sort orders runs by function, then start (then queue time, then events).
func (r *Recording) Sort() {
	sort.SliceStable(r.Runs, func(a, b int) bool {
		x, y := r.Runs[a], r.Runs[b]
		if x.Function != y.Function {
			return x.Function < y.Function
		}
		if x.StartMS != y.StartMS {
			return x.StartMS < y.StartMS
		}
		if x.QueuedMS != y.QueuedMS {
			return x.QueuedMS < y.QueuedMS
		}
		return slices.Compare(x.Events, y.Events) < 0
	})
}
