package step

import (
	"context"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// MaxSleep is the longest sleep the server accepts.
const MaxSleep = 366 * 24 * time.Hour

// Sleep pauses the function durably for d (at most a year): the server calls back
// after d, and no process needs to stay up meanwhile.
func Sleep(ctx context.Context, id string, d time.Duration) error {
	if d < 0 {
		d = 0
	}
	if d > MaxSleep {
		d = MaxSleep
	}
	return sleep(ctx, id, timestr.Format(d))
}

// SleepUntil pauses the function durably until t.
func SleepUntil(ctx context.Context, id string, t time.Time) error {
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
	d, err := s.Decide(exec.KindAsync)
	if err != nil {
		return err
	}
	if d == exec.Skip {
		s.Stop(nil)
	}
	opts, _ := wire.Marshal(wire.SleepOpts{Duration: duration})
	s.Stop(&wire.Op{Op: wire.OpSleep, ID: s.Hash, Name: id, DisplayName: id, Opts: opts, Userland: s.Userland()})
	return nil
}
