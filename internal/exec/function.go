package exec

import (
	"context"
	"encoding/json"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Input is what a function call receives, before decoding into user types.
type Input struct {
	Event   json.RawMessage
	Events  []json.RawMessage
	RunID   string
	Attempt int
	// Started is set when the run has memoized steps: it began in an earlier call.
	Started bool
}

// Handler is a user handler with its type parameters erased: it decodes the input,
// calls the user's code and marshals the result to JSON.
type Handler func(ctx context.Context, in *Input) ([]byte, error)

// FnError carries the classification of a function-level error, done by package
// inngest (which knows NoRetry, RetryAfter and StepError).
type FnError struct {
	Err        error
	Name       string
	Message    string
	Stack      string
	NoRetry    bool
	RetryAfter time.Time
}

func (e *FnError) Error() string { return e.Message }
func (e *FnError) Unwrap() error { return e.Err }

// CheckpointConfig controls checkpointing of consecutive Run steps (§9.1).
type CheckpointConfig struct {
	Disabled      bool
	BatchSteps    int           // flush after this many buffered steps; <=0 means 1
	BatchInterval time.Duration // flush when the oldest buffered step is this old; 0 = no interval
	MaxRuntime    time.Duration // stop running new steps after this long in one call; 0 = no limit
}

// Function is a servable function as the serve handler and the core see it.
type Function struct {
	// Config is the registration entry, without ID, Steps runtime URL (filled by serve).
	Config     wire.Function
	Handler    Handler
	Checkpoint CheckpointConfig
	// Hooks is the function's middleware chain; nil when it has none.
	Hooks Hooks
}
