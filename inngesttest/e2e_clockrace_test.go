package inngesttest_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// preemptingClock is a VirtualClock whose NewTimer can be held, once, at the
// point where a scheduler preempted between computing a duration and creating
// the timer would be.
type preemptingClock struct {
	*engine.VirtualClock
	once    sync.Once
	entered chan time.Duration
	proceed chan struct{}
}

func (c *preemptingClock) NewTimer(d time.Duration) engine.Timer {
	c.once.Do(func() {
		c.entered <- d
		<-c.proceed
	})
	return c.VirtualClock.NewTimer(d)
}

// TestE2EGapAdvanceRacesTimer guards against a lost wake-up in the engine's scheduler
// loop (engine/engine.go, loop) on a manual virtual clock. The loop reads now
// under its lock, finds the next timer, unlocks, and then calls
// clock.NewTimer(next.Sub(now)) with that stale now. If the clock is advanced
// in between (Env.Advance from a test), VirtualClock.NewTimer adds the
// duration to the new time, so the timer is registered d too late, and
// VirtualClock.Set does not wake the loop: the due timer never fires.
//
// Seen once in the regular suite under load (TestE2EResyncStopsCron: virtual
// time 00:01:00, cron tick due at 00:01:00, 0 runs); this test holds the loop
// in the window to make it deterministic.
//
// Expected: the cron run due at 00:01 starts after Advance(1m).
// Seen: no run (the tick is only fired at 00:02).
func TestE2EGapAdvanceRacesTimer(t *testing.T) {
	t.Parallel()
	clk := &preemptingClock{VirtualClock: engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		entered: make(chan time.Duration, 1), proceed: make(chan struct{})}
	eng, err := engine.New(engine.Options{Clock: clk})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "gap", Mode: inngest.ModeDev, BaseURL: api.URL})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "tick"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			return in.Event.Data.Cron, nil
		})
	require.NoError(t, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = eng.Close()
		app.Close()
		api.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.NoError(t, eng.Sync(ctx, app.URL+"/api/inngest"))

	require.Equal(t, time.Minute, <-clk.entered, "the loop arms a timer for the cron tick")
	clk.Advance(time.Minute) // the test moves time while the loop is between unlock and NewTimer
	close(clk.proceed)

	wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
	defer wcancel()
	err = eng.WaitFor(wctx, func(rs []runtype.Run) bool { return len(rs) > 0 })
	require.NoError(t, err, "the cron tick due at %s never fired (clock %s)", time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC), clk.Now())
}
