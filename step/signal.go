package step

import (
	"context"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// SignalConflict says what happens when a run waits for a signal that another
// wait already owns.
type SignalConflict int

const (
	// SignalConflictFail (the default) fails the run that tries to wait for a
	// signal another wait owns.
	SignalConflictFail SignalConflict = iota
	// SignalConflictReplace makes the new wait own the signal; the previous
	// wait can no longer receive it and runs into its timeout.
	SignalConflictReplace
)

// SignalOpts are optional settings of WaitForSignal.
type SignalOpts struct {
	// OnConflict is the conflict policy; the zero value is SignalConflictFail.
	OnConflict SignalConflict
}

// Signal is a received signal: its name and its data.
type Signal[T any] struct {
	// Name is the signal's name.
	Name string
	// Data is the data it was sent with, decoded.
	Data T
}

// WaitForSignal pauses the function until the signal named signal is sent
// (inngest.Client.SendSignal, or POST /v1/signals) or timeout passes. It returns
// the signal and true, or a zero Signal and false on timeout. Signal names are
// unique among waiting runs: opts.OnConflict says what happens when another run
// already waits for the same name. The timeout is required; one that is not
// positive or longer than MaxWait is refused with an error wrapping
// ErrDurationOutOfRange (non-retriable), and an empty signal name with
// ErrSignalName.
func WaitForSignal[T any](ctx context.Context, id, signal string, timeout time.Duration, opts ...SignalOpts) (Signal[T], bool, error) {
	var zero Signal[T]
	if timeout <= 0 || timeout > MaxWait {
		return zero, false, outOfRange(id, "signal timeout of %s is outside (0, %s]", timeout, MaxWait)
	}
	if signal == "" {
		return zero, false, inngest.NoRetry(fmt.Errorf("%w: step %q", ErrSignalName, id))
	}
	var o SignalOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return zero, false, err
	}
	if raw, ok := s.Memo(); ok {
		if len(raw) == 0 || string(raw) == "null" {
			return zero, false, nil
		}
		res, err := decodeMemo[wire.SignalResult](&s, raw)
		if err != nil {
			return zero, false, err
		}
		out := Signal[T]{Name: res.Signal}
		if len(res.Data) > 0 && string(res.Data) != "null" {
			if err := jsoncodec.Unmarshal(res.Data, &out.Data); err != nil {
				return zero, false, inngest.NoRetry(fmt.Errorf("inngest: decoding the data of the signal step %q received: %w", id, err))
			}
		}
		return out, true, nil
	}
	if err := s.DecideAsync(); err != nil {
		return zero, false, err
	}
	conflict := wire.SignalConflictFail
	if o.OnConflict == SignalConflictReplace {
		conflict = wire.SignalConflictReplace
	}
	b, _ := jsoncodec.Marshal(wire.WaitForSignalOpts{Signal: signal, Timeout: timestr.Format(timeout), Conflict: conflict})
	s.Stop(&wire.Op{Op: wire.OpWaitForSignal, ID: s.Hash, Name: id, DisplayName: id, Opts: b, Userland: s.Userland()})
	return zero, false, nil
}
