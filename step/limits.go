package step

import (
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/rules"
)

// Limits of the server (consts.MaxSleepDuration and consts.MaxWaitForEventTimeout
// in its source): 366 days, so that a one-year span over a leap day still fits.
// The embedded engine enforces the same constants.
const (
	// MaxSleep is the longest Sleep (and the furthest SleepUntil) the server accepts.
	MaxSleep time.Duration = rules.MaxSleep
	// MaxWait is the longest WaitForEvent timeout the server accepts.
	MaxWait time.Duration = rules.MaxWait
)

// Errors for arguments a step tool refuses instead of changing them. They come
// wrapped in an inngest.NoRetry error (a retry would pass the same argument), with
// the step id and the value; test them with errors.Is.
var (
	// ErrDurationOutOfRange: a negative sleep, a sleep or SleepUntil beyond
	// MaxSleep, a WaitForEvent timeout that is not positive or beyond MaxWait, or a
	// negative Invoke timeout.
	ErrDurationOutOfRange = errors.New("inngest: step duration out of range")
	// ErrInvokeData: the data given to Invoke does not encode to a JSON object (the
	// invoked function receives it as its event's data).
	ErrInvokeData = errors.New("inngest: invoke data must encode to a JSON object")
	// ErrSignalName: WaitForSignal was given an empty signal name.
	ErrSignalName = errors.New("inngest: signal name is empty")
	// ErrNoBranches: Race was given no branch (there would be no winner).
	ErrNoBranches = errors.New("inngest: race without branches")
)

// outOfRange returns ErrDurationOutOfRange for step id, as a non-retriable error.
func outOfRange(id, format string, args ...any) error {
	return inngest.NoRetry(fmt.Errorf("%w: step %q: "+format, append([]any{ErrDurationOutOfRange, id}, args...)...))
}
