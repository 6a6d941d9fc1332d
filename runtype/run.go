package runtype

import (
	"encoding/json"
	"time"
)

// Run is a snapshot of one function run.
type Run struct {
	// ID is the run's ULID.
	ID string
	// AppID is the app's name (appName of the sync).
	AppID string
	// FunctionID is the composite function ID ("<app>-<fn>").
	FunctionID string
	// FunctionUUID is the internal UUID sent as ctx.fn_id.
	FunctionUUID string
	// Status is the run's status.
	Status Status
	// Output is the function's return value (Completed) or the SDK's error body (Failed).
	Output json.RawMessage
	// Error describes why the run failed or was cancelled; nil otherwise.
	Error *RunError
	// EventIDs are the IDs of the triggering events (several for a batch).
	EventIDs []string
	// Events are the triggering events as sent in the call's events[].
	Events []json.RawMessage
	// StartedAt is when the run was created; EndedAt when it reached a final status.
	StartedAt, EndedAt time.Time
	// Steps lists every step the engine saw, in the order results were stored.
	Steps []Step
	// History is the run's timeline: calls and their outcomes. It is
	// bounded: a run keeps its first HistoryHead entries and its latest
	// ones, MaxHistory in all; the entries dropped in between (the oldest
	// after the first HistoryHead go first) are counted in HistoryDropped.
	History []HistoryItem
	// HistoryDropped is how many History entries were dropped after the
	// first HistoryHead to keep at most MaxHistory.
	HistoryDropped int
	// Calls is the number of HTTP calls made to the app for this run.
	Calls int
	// Attempts is the highest attempt number reached by the run's calls (1 + the
	// most retries of one job): retries after non-2xx responses and retries of a
	// step that reported StepError both count. Per-step attempts are in Steps.
	Attempts int
	// MaxAttempts is retries + 1.
	MaxAttempts int
	// ParentRunID is set when the run was started by step.Invoke.
	ParentRunID string
	// OriginalRunID is set on a run started by a rerun: the run rerun, or,
	// for a rerun of a rerun, the run first rerun (as the server links
	// them).
	OriginalRunID string
	// Waits lists the run's pending step.WaitForEvent waits, in the order
	// they started; a wait leaves the list when an event matches it, when it
	// times out and when the run ends.
	Waits []WaitInfo
}

// WaitInfo is a pending step.WaitForEvent wait of a run.
type WaitInfo struct {
	// StepID is the wait's hashed step ID.
	StepID string
	// Event is the name of the event waited for (empty for a signal wait).
	Event string
	// Signal is the name of the signal waited for (empty for an event wait).
	Signal string
	// If is the match expression (empty for any event of that name).
	If string
	// Expires is when the wait times out (the step then resolves to null).
	Expires time.Time
}

// Bounds of Run.History.
const (
	// MaxHistory is the most History entries a run keeps.
	MaxHistory = 500
	// HistoryHead is how many of a run's first History entries are always
	// kept; beyond MaxHistory, the oldest entry after them is dropped.
	HistoryHead = 20
)

// HistoryItem is one entry of a run's timeline.
type HistoryItem struct {
	// Time is the engine clock's time of the entry.
	Time time.Time
	// Kind is what happened: "call", "retry", "step-error" (a step attempt
	// failed and will be retried; Detail holds the error), "step-failed" (a
	// step failed for good), "sleep", "wait", "invoke", "completed", "failed",
	// "cancelled", ...
	Kind string
	// StepID is the hashed step ID or "step" for a discovery call.
	StepID string
	// Status is the HTTP status of a call, if any.
	Status int
	// Detail is a short human-readable note.
	Detail string
	// Transport is how a call went, on a "call" entry and on the entry of
	// that call's outcome: TransportHTTP or TransportConnect; "" on other
	// entries.
	Transport string
	// ConnectionID and InstanceID name the Connect connection and the
	// worker instance that took a Connect call, on the entry of its
	// outcome; "" when the gateway did not say (or for HTTP).
	ConnectionID, InstanceID string
	// AI is set on the "gateway" entry of an inference request whose
	// answer the server reads token counts from (see AIMetadata); nil
	// otherwise.
	AI *AIMetadata
}

// The transports of HistoryItem.Transport.
const (
	// TransportHTTP is a call POSTed to the app's URL.
	TransportHTTP = "http"
	// TransportConnect is a call sent to a Connect worker over its
	// WebSocket.
	TransportConnect = "connect"
)
