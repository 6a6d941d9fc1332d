package inngest

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/rules"
)

// NoRetries, as FunctionOpts.Retries, gives a function a single attempt.
const NoRetries = -1

// DefaultRetries is the number of retries when FunctionOpts.Retries is 0: 4,
// five attempts, the server's default.
const DefaultRetries = rules.DefaultRetries

// MaxRetries is the most retries the server allows (20); larger values are
// capped.
const MaxRetries = rules.MaxRetries

// ConcurrencyScope says across what a concurrency limit applies.
type ConcurrencyScope string

// Concurrency scopes.
const (
	// ScopeFunction (the default) limits runs of this function.
	ScopeFunction ConcurrencyScope = "fn"
	// ScopeEnv limits across every function in the environment sharing the key.
	ScopeEnv ConcurrencyScope = "env"
	// ScopeAccount limits across the whole account sharing the key.
	ScopeAccount ConcurrencyScope = "account"
)

// Concurrency limits how many steps of runs execute at once, per Key value
// (see RunConcurrency to limit whole runs).
type Concurrency struct {
	// Limit is the maximum of steps executing at once; required (> 0).
	Limit int
	// Key is a CEL expression over event, e.g. "event.data.user_id"; empty means one
	// limit for all runs. Required for ScopeEnv and ScopeAccount.
	Key string
	// Scope defaults to ScopeFunction.
	Scope ConcurrencyScope
}

// RunConcurrency limits how many runs of a function are in progress at once,
// per Key value: the server's function-level ("fn") concurrency limit, as
// the official Go SDK's ConcurrencyLimits.Fn. A run takes a slot when its
// first call starts and holds it until the run ends (completed, failed or
// cancelled), also while it sleeps or waits for an event between calls; a
// run over the limit stays queued and starts, in order, when a slot is
// freed. Concurrency limits steps instead: a sleeping run holds none of its
// slots.
type RunConcurrency struct {
	// Limit is the most runs in progress at once per Key value; required (> 0).
	Limit int
	// Key is an optional CEL expression over event, e.g. "event.data.user_id",
	// evaluated once when the run is created; empty means one limit for all
	// runs of the function.
	Key string
}

// Throttle delays run starts over Limit per Period; nothing is dropped. As on the
// server, an idle key starts up to Limit+Burst runs at once, then one every
// Period/Limit.
type Throttle struct {
	// Limit is how many runs may start per Period (0 means 1).
	Limit int
	// Period is the window; required.
	Period time.Duration
	// Burst allows this many extra starts at once.
	Burst int
	// Key is an optional CEL expression to throttle per value.
	Key string
}

// RateLimit skips runs over Limit per Period (the events are kept, the runs not
// started). As on the server, starts are spaced Period/Limit apart with a burst of
// Limit/10: 10 events at once against 10 per minute start 2 runs, and the next
// start is allowed 6 s later.
type RateLimit struct {
	// Limit is how many runs may start per Period; required (> 0).
	Limit int
	// Period is the window, at most 24 h; required.
	Period time.Duration
	// Key is an optional CEL expression to limit per value.
	Key string
}

// Debounce delays a run until no new event arrived for Period, then runs it with the
// last event. As on the server, the run starts about 1 s after the Period ends (the
// server's queue delay); an event arriving in that second starts a new debounce.
type Debounce struct {
	// Period is the quiet time, 1 s … 7 days; required.
	Period time.Duration
	// Key is an optional CEL expression to debounce per value.
	Key string
	// Timeout (optional) shortens each wait once Period would pass it, to the whole
	// seconds left but at least 1 s, as the server does: events less than 1 s apart
	// keep a debounce open past its Timeout.
	Timeout time.Duration
}

// BatchEvents gives the handler up to MaxSize events at once (Input.Events).
type BatchEvents struct {
	// MaxSize is the largest batch, at least 2; required.
	MaxSize int
	// Timeout starts a partial batch this long after its first event, at least 1 s; required.
	Timeout time.Duration
	// Key is an optional CEL expression to batch per value.
	Key string
	// If is an optional CEL expression; only matching events are batched.
	If string
}

// Priority orders runs waiting to start.
type Priority struct {
	// Run is a CEL expression returning seconds to move the run ahead (positive) or
	// back (negative) in the queue.
	Run string
}

// CancelOn cancels a run when a matching event arrives.
type CancelOn struct {
	// Event is the cancelling event (an events.Definition or events.Name); required.
	Event events.Named
	// If is an optional CEL expression over event (the run's trigger) and async
	// (the cancelling event), e.g. "async.data.user_id == event.data.user_id".
	If string
	// Timeout stops listening after this long (default: the server's, up to a year).
	Timeout time.Duration
}

// Timeouts cancel runs that wait too long to start or take too long to finish.
type Timeouts struct {
	// Start cancels a run not started this long after its event (0: none).
	Start time.Duration
	// Finish cancels a run not finished this long after it started (0: none).
	Finish time.Duration
}

// SingletonMode says what happens to a new run while one with the same key runs.
type SingletonMode string

// Singleton modes.
const (
	// SingletonSkip (the default) skips the new run.
	SingletonSkip SingletonMode = "skip"
	// SingletonCancel cancels the running run and starts the new one.
	SingletonCancel SingletonMode = "cancel"
)

// Singleton allows one run at a time per Key.
type Singleton struct {
	// Key is an optional CEL expression; empty means one run of the function at a time.
	Key string
	// Mode defaults to SingletonSkip.
	Mode SingletonMode
}
