package step

import (
	"context"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Sleep pauses the function durably for d: the server calls back after d, and no
// process needs to stay up meanwhile. d must be between 0 and MaxSleep; otherwise
// Sleep returns an error wrapping ErrDurationOutOfRange (non-retriable).
func Sleep(ctx context.Context, id string, d time.Duration) error {
	if d < 0 || d > MaxSleep {
		return outOfRange(id, "sleep of %s is outside 0…%s", d, MaxSleep)
	}
	return sleep(ctx, id, timestr.Format(d))
}

// SleepUntil pauses the function durably until t (a time in the past wakes it at
// once). t more than MaxSleep after now is refused with an error wrapping
// ErrDurationOutOfRange (non-retriable).
func SleepUntil(ctx context.Context, id string, t time.Time) error {
	if d := time.Until(t); d > MaxSleep {
		return outOfRange(id, "sleep until %s is %s away, over %s", t.UTC().Format(time.RFC3339), d.Round(time.Second), MaxSleep)
	}
	return sleep(ctx, id, t.UTC().Format(time.RFC3339))
}

func sleep(ctx context.Context, id, duration string) error {
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return err
	}
	if _, ok := s.Memo(); ok {
		return nil
	}
	if err := s.DecideAsync(); err != nil {
		return err
	}
	opts, _ := jsoncodec.Marshal(wire.SleepOpts{Duration: duration})
	s.Stop(&wire.Op{Op: wire.OpSleep, ID: s.Hash, Name: id, DisplayName: id, Opts: opts, Userland: s.Userland()})
	return nil
}
