package enginestore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"
)

// ErrNotFound is returned by Store lookups for missing records.
var ErrNotFound = errors.New("inngest: not found")

// Store persists everything the engine needs to resume after a restart:
// synced apps, events, runs (with their memoized step results), pauses
// (waitForEvent, invoke and cancelOn waits) and timers (sleeps, timeouts,
// retries and queued calls).
//
// A Store must be safe for concurrent use. The engine makes its writes, and
// the reads that decide them, from one goroutine at a time (under its own
// lock), but its read API (Engine.Run, Runs, RunsForEvent, Events, Event and
// the run endpoints) and retention pruning call the Store from other
// goroutines meanwhile, without that lock: a read must see each record as
// one committed write left it. The engine passes values it will not modify
// afterwards, and expects returned values to be copies it may modify. Implementations must therefore
// copy on the way in or out, but for the bytes of raw JSON values
// (json.RawMessage), which neither the engine nor a store ever edits in
// place: stores share them (engine/memstore and engine/sqlitestore do).
// engine/memstore is the engine's default.
//
// Beside Store a store may implement the optional interfaces TxStore,
// Pruner, EventLister and RunSharer; the engine discovers them by interface
// assertion and never by the store's concrete type. Every store runs the
// conformance suite in engine/enginestore/storetest.
//
// Flow-control state that decides whether an accepted event becomes a run
// (debounce and batch buffers, rate-limit, throttle and idempotency keys) is
// stored as FlowRecords. Singleton locks are rebuilt from the stored runs at
// start, and concurrency slots are held only by calls in flight, which a
// restart makes again.
type Store interface {
	// SaveApp creates or replaces an app's sync.
	SaveApp(ctx context.Context, app AppRecord) error
	// Apps lists every synced app.
	Apps(ctx context.Context) ([]AppRecord, error)

	// SaveEvent stores an event unless one with the same ID exists; it reports
	// whether the event was new.
	SaveEvent(ctx context.Context, ev EventRecord) (bool, error)
	// Event returns the event with this ID or ErrNotFound.
	Event(ctx context.Context, id string) (EventRecord, error)

	// SaveRun creates or replaces a run.
	SaveRun(ctx context.Context, run *RunRecord) error
	// Run returns the run with this ID or ErrNotFound.
	Run(ctx context.Context, id string) (*RunRecord, error)
	// Runs lists all runs in creation order.
	Runs(ctx context.Context) ([]*RunRecord, error)
	// RunsForEvent lists the runs that any of whose triggering events has this ID.
	RunsForEvent(ctx context.Context, eventID string) ([]*RunRecord, error)
	// ListRuns returns one page of the runs q matches, newest (latest
	// created) first, with cursors to the pages on either side (see
	// RunQuery and RunPage). Its cost must depend on the page, not on how
	// many runs are stored, when q filters nothing out.
	ListRuns(ctx context.Context, q RunQuery) (RunPage, error)

	// SavePause creates or replaces a pause.
	SavePause(ctx context.Context, p Pause) error
	// DeletePause removes a pause and reports whether it existed. Consuming a
	// pause is done by deleting it: only the caller that gets true may act.
	DeletePause(ctx context.Context, id string) (bool, error)
	// PausesForEvent lists pauses waiting for events named name.
	PausesForEvent(ctx context.Context, name string) ([]Pause, error)
	// PausesForRun lists a run's pauses.
	PausesForRun(ctx context.Context, runID string) ([]Pause, error)

	// SaveTimer creates or replaces a timer.
	SaveTimer(ctx context.Context, t TimerItem) error
	// DeleteTimer removes a timer (no error if absent).
	DeleteTimer(ctx context.Context, id string) error
	// Timers lists all timers (used to rebuild the schedule at start).
	Timers(ctx context.Context) ([]TimerItem, error)

	// SaveFlow creates or replaces the flow-control record of
	// (FunctionID, Kind, Key); a replaced record keeps its place in Flows.
	SaveFlow(ctx context.Context, f FlowRecord) error
	// DeleteFlow removes a flow-control record (no error if absent).
	DeleteFlow(ctx context.Context, functionID string, kind FlowKind, key string) error
	// Flows lists every flow-control record in the order each was first
	// saved (used to rebuild flow-control state at start).
	Flows(ctx context.Context) ([]FlowRecord, error)
	// PruneFlows removes the records whose Expires is set and not after
	// before.
	PruneFlows(ctx context.Context, before time.Time) error
}

// TxStore is a Store that can group writes in one transaction. When the
// engine's Store implements it, each engine step that writes several records
// runs inside Tx and uses only the Store it is handed, so that a crash or a
// failed write never leaves half of the step stored:
//
//   - accepting events (POST /e, Send): each event, the runs it starts, their
//     timers and pauses, the waits and cancellations it resolves;
//   - handling a call's result (step results, new timers and pauses, the run's
//     end, its lifecycle events and the resumption of an invoking parent) and
//     deleting the call's timer;
//   - firing a timer (sleep wake-ups, wait and invoke timeouts, run timeouts,
//     cron ticks, debounce and batch flushes, a call's start);
//   - a checkpoint (POST /v1/checkpoint) and a step.fetch result.
//
// When Tx fails, the step is undone in memory too and retried: an /e request
// answers 500 (the SDK retries it with the same event IDs), a timer or call
// result is tried again a second later; in-memory flow-control state is
// restored as well. Syncing an app is not transactional.
//
// Tx must run fn with a Store bound to one transaction (reads included, so fn
// sees its own writes), commit when fn returns nil and roll back otherwise,
// returning fn's or the commit's error. The engine never calls Tx from inside
// fn. A wrapper that embeds a TxStore must also wrap Tx, or the engine will
// write through the embedded store's transaction and bypass the wrapper.
type TxStore interface {
	Store
	// Tx runs fn in one transaction (see TxStore).
	Tx(ctx context.Context, fn func(Store) error) error
}

// Pruner is a Store that can delete old records. When the engine's Store
// implements it (memstore and sqlitestore do), the engine deletes finished
// runs and old events as its Options.Retention says.
type Pruner interface {
	// PruneRuns deletes the runs that reached a final status before
	// endedBefore (with their event index) and returns how many it deleted.
	// Runs not finished are never deleted.
	PruneRuns(ctx context.Context, endedBefore time.Time) (int, error)
	// PruneEvents deletes the events received before receivedBefore and
	// returns how many it deleted.
	PruneEvents(ctx context.Context, receivedBefore time.Time) (int, error)
}

// EventLister is a Store that can list recent events (memstore and
// sqlitestore are). Without it the engine lists the events of the stored
// runs.
type EventLister interface {
	// RecentEvents returns up to limit events, newest (latest ReceivedAt)
	// first, leaving out Internal ones.
	RecentEvents(ctx context.Context, limit int) ([]EventRecord, error)
}

// RunSharer is a Store that can hand the engine its runs without deep
// copies (memstore is one). The engine uses it, when its Store implements
// it, for its own loads and saves of runs, under two promises: it never
// modifies a run it passed to KeepRun, and of a run SharedRun returned it
// only ever appends to Memo, History and Steps (never writing into their
// backing arrays below their lengths) and replaces other fields.
type RunSharer interface {
	// SharedRun is Run for the engine's own loads: a copy that may share,
	// with the stored run, the slices the engine only appends to.
	SharedRun(ctx context.Context, id string) (*RunRecord, error)
	// KeepRun is SaveRun for the engine's own saves: the store may keep run
	// itself instead of a copy.
	KeepRun(ctx context.Context, run *RunRecord) error
}

// AppRecord is an app's last successful sync.
type AppRecord struct {
	// ID is the app's UUID; Name its appName (the app ID in SDK terms).
	ID, Name string
	// URL is the serve URL the app registered.
	URL string
	// Checksum identifies the sync body's functions, for "modified".
	Checksum string
	// SyncID is the UUID of the last sync.
	SyncID string
	// Config is the raw /fn/register body.
	Config json.RawMessage
}

// EventRecord is a received event.
type EventRecord struct {
	// ID is the event ID (a ULID, or the developer's id).
	ID string
	// Name is the event name.
	Name string
	// Raw is the event as sent to functions: {data,id,name,ts,user[,v]}.
	Raw json.RawMessage
	// ReceivedAt is the engine time of receipt.
	ReceivedAt time.Time
	// Internal marks events that were never stored as user events (e.g. a
	// function.failed re-using a run ID).
	Internal bool
}

// MemoEntry is one memoized step result; Value is exactly what steps[ID] holds.
type MemoEntry struct {
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}

// RunRecord is the stored record of a run: its public state (runtype.Run),
// its memoized step results, and the engine's scheduler bookkeeping for it
// (Version through StackCurrent), which a store keeps verbatim and which
// only the engine interprets.
type RunRecord struct {
	runtype.Run
	// Memo holds step results in the order they were stored (ctx.stack order).
	Memo []MemoEntry
	// StepInputs are the replacement inputs of a rerun from a step
	// ({"input": [...]} by hashed step ID): a call's steps carry each one
	// whose step has no result in Memo; they are not in the stack.
	StepInputs []MemoEntry
	// Version is the request version: -1 until the SDK first answers.
	Version int
	// ForcePlan is sent as ctx.disable_immediate_execution.
	ForcePlan bool
	// Pending counts the unfinished threads of the current parallel group.
	Pending int
	// GroupTargeted reports whether the current group planned targeted calls.
	GroupTargeted bool
	// Started reports whether the first call was made.
	Started bool
	// Attempt is the function-level attempt of the current discovery job.
	Attempt int
	// CorrelationID is "<parent run>.<step hash>" for an invoked run.
	CorrelationID string
	// Priority orders queued calls (higher first).
	Priority int64
	// Keys holds evaluated flow-control keys (concurrency, singleton).
	Keys map[string]string
	// Cron is the cron expression that started the run, if any.
	Cron string
	// StackCurrent is ctx.stack.current of targeted calls: the number of
	// memoized steps when the discovery call that planned them was made (the
	// server sends the stack index of the call that enqueued a step).
	StackCurrent int
}

// PauseKind says what a pause waits for.
type PauseKind string

// Pause kinds.
const (
	PauseWait   PauseKind = "wait"
	PauseInvoke PauseKind = "invoke"
	PauseCancel PauseKind = "cancel"
	// PauseSignal is a step.waitForSignal wait; Event holds the signal name
	// while the pause owns the signal, and is empty once another wait
	// replaced it.
	PauseSignal PauseKind = "signal"
)

// Pause is a run waiting for something: an event (waitForEvent, cancelOn) or
// an invoked function's result.
type Pause struct {
	ID    string
	Kind  PauseKind
	RunID string
	// StepID is the hashed step ID that will receive the result.
	StepID string
	// Event is the event name to match (empty for invoke).
	Event string
	// If is the CEL expression (event = run trigger, async = candidate).
	If string
	// CorrelationID links an invoke pause to the child run.
	CorrelationID string
	// Expires is when the pause times out; zero means never.
	Expires time.Time
	// TimerID is the timeout timer's ID.
	TimerID string
}

// TimerKind says what a timer does when it fires.
type TimerKind string

// Timer kinds.
const (
	TimerCall          TimerKind = "call"
	TimerSleep         TimerKind = "sleep"
	TimerPauseTimeout  TimerKind = "pause-timeout"
	TimerStartTimeout  TimerKind = "start-timeout"
	TimerFinishTimeout TimerKind = "finish-timeout"
	TimerDebounce      TimerKind = "debounce"
	TimerBatch         TimerKind = "batch"
	TimerCron          TimerKind = "cron"
	TimerStart         TimerKind = "start"
	TimerGateway       TimerKind = "gateway"
)

// TimerItem is a scheduled piece of work.
type TimerItem struct {
	ID       string
	At       time.Time
	Kind     TimerKind
	Priority int64
	RunID    string
	// StepID is "step" or a hash for calls, the hash for sleeps and pauses.
	StepID string
	// PauseID names the pause of a pause timeout.
	PauseID string
	// Attempt, JobID and Generation describe a call job.
	Attempt    int
	JobID      string
	Generation int
	// FunctionID is the composite function ID (debounce, batch, cron).
	FunctionID string
	// Key is the debounce/batch key or the cron expression.
	Key string
	// Data is the request of a step.fetch (TimerGateway) timer, in the
	// engine's own JSON encoding; nil for other kinds.
	Data json.RawMessage
}

// FlowKind says which flow-control option a FlowRecord belongs to.
type FlowKind string

// Flow-control record kinds.
const (
	FlowDebounce    FlowKind = "debounce"
	FlowBatch       FlowKind = "batch"
	FlowRateLimit   FlowKind = "rate-limit"
	FlowThrottle    FlowKind = "throttle"
	FlowIdempotency FlowKind = "idempotency"
)

// FlowRecord is the flow-control state of one key of one function: a
// debounced event, an open batch, or the recent starts a rate limit,
// throttle or idempotency key remembers.
type FlowRecord struct {
	// FunctionID is the composite function ID.
	FunctionID string
	// Kind is the flow-control option.
	Kind FlowKind
	// Key is the evaluated key ("" when the option has no key expression).
	Key string
	// Config identifies the function configuration the state belongs to
	// (a digest of its definition): state of another configuration is
	// dropped when the engine starts.
	Config string
	// Data is the state in the engine's own JSON encoding.
	Data json.RawMessage
	// Expires is when the state no longer matters and may be pruned; zero
	// means it is deleted explicitly (debounce, batch).
	Expires time.Time
}
