package step

import (
	"context"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// WaitOpts are optional settings of WaitForEvent.
type WaitOpts struct {
	// If is a CEL expression over event (the run's triggering event) and async (the
	// candidate), e.g. "async.data.user_id == event.data.user_id". Empty matches the
	// first event of the awaited name.
	If string
}

// WaitForEvent pauses the function until an event of def arrives (matching
// opts.If, if given) or timeout passes. It returns the event and true, or a zero event
// and false on timeout. The timeout is required: a wait without a deadline does not
// compile, and one that is not positive or longer than MaxWait is refused with an
// error wrapping ErrDurationOutOfRange (non-retriable).
func WaitForEvent[T any](ctx context.Context, id string, def events.Definition[T], timeout time.Duration, opts ...WaitOpts) (events.Event[T], bool, error) {
	var zero events.Event[T]
	if timeout <= 0 || timeout > MaxWait {
		return zero, false, outOfRange(id, "wait timeout of %s is outside (0, %s]", timeout, MaxWait)
	}
	var o WaitOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return zero, false, err
	}
	if raw, ok := s.Memo(); ok {
		raw = strictData(raw)
		if len(raw) == 0 || string(raw) == "null" {
			return zero, false, nil
		}
		ev, err := def.Decode(raw)
		if err != nil {
			return zero, false, inngest.NoRetry(fmt.Errorf("inngest: decoding the event step %q received: %w", id, err))
		}
		return ev, true, nil
	}
	if err := s.DecideAsync(); err != nil {
		return zero, false, err
	}
	b, _ := jsoncodec.Marshal(wire.WaitForEventOpts{Event: def.EventName(), Timeout: timestr.Format(timeout), If: o.If})
	s.Stop(&wire.Op{Op: wire.OpWaitForEvent, ID: s.Hash, Name: id, DisplayName: id, Opts: b, Userland: s.Userland()})
	return zero, false, nil
}
