package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2ECheckpointStepRetry: with checkpointing, a step failing in the middle
// of a sequence is retried alone; the steps before it ran once.
func TestE2ECheckpointStepRetry(t *testing.T) {
	t.Parallel()
	env, ct := checkpointEnv(t)
	var mu sync.Mutex
	ran := map[string]int{}
	fn := newFn(t, env, inngest.FunctionOpts{ID: "mid-fail"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) {
			total := 0
			for i := range 6 {
				id := fmt.Sprintf("s%d", i)
				v, err := step.Run(ctx, id, func(ctx context.Context) (int, error) {
					mu.Lock()
					ran[id]++
					n := ran[id]
					mu.Unlock()
					if i == 3 && n == 1 {
						return 0, errors.New("flaky")
					}
					return i, nil
				})
				if err != nil {
					return 0, err
				}
				total += v
			}
			return total, nil
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, "15")
	inngesttest.RequireStepAttempts(t, run, "s3", 2)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string]int{"s0": 1, "s1": 1, "s2": 1, "s3": 2, "s4": 1, "s5": 1}, ran)
	require.Positive(t, ct.checkpoints(run.ID))
	require.LessOrEqual(t, run.Calls, 3)
}

// TestE2EConcurrencySleepHoldsNoSlot: a sleeping run does not hold its
// concurrency slot (the engine counts calls in flight).
func TestE2EConcurrencySleepHoldsNoSlot(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "slot", Concurrency: []inngest.Concurrency{{Limit: 1}}}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			if in.Event.Data.N == 1 {
				if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
					return "", err
				}
			}
			return in.Event.Data.User, nil
		})
	env.Serve(fn)
	first := env.Send(t, e2eStarted.New(e2eData{User: "sleeper", N: 1}))
	sleeping(t, env, "slot", "nap", 1)
	second := env.Send(t, e2eStarted.New(e2eData{User: "quick"}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, second[0]), `"quick"`)
	advance(env, time.Hour)
	inngesttest.RequireOutput(t, env.WaitForRun(t, first[0]), `"sleeper"`)
}

// TestE2EResyncStopsCron: a cron function removed by a re-sync stops firing.
func TestE2EResyncStopsCron(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	cron := newFn(t, env, inngest.FunctionOpts{ID: "tick"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			return in.Event.Data.Cron, nil
		})
	env.Serve(cron)
	advance(env, time.Minute)
	env.WaitForFunction(t, "tick")
	resync(t, env, newFn(t, env, inngest.FunctionOpts{ID: "other"}, inngest.OnEvent(e2eOther),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return 0, nil }))
	advance(env, 5*time.Minute)
	require.Len(t, runsOf(env, "tick"), 1, "a removed cron function fired")
}

// TestE2ECancelWhileWaiting: a run paused in WaitForEvent is cancelled by its
// CancelOn event; the awaited event then resumes nothing.
func TestE2ECancelWhileWaiting(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "wait-cancel",
		CancelOn: []inngest.CancelOn{{Event: e2eCancel, If: "async.data.user == event.data.user"}}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			_, ok, err := step.WaitForEvent(ctx, "signal", e2eSignal, time.Hour)
			return fmt.Sprint(ok), err
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	env.WaitingFor(t, e2eSignal.EventName())
	env.Send(t, e2eCancel.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	require.Equal(t, inngesttest.StatusCancelled, run.Status, run.String())
	calls := run.Calls
	env.Send(t, e2eSignal.New(e2eData{User: "u1"}))
	advance(env, 2*time.Hour)
	run = env.RunsForEvent(ids[0])[0]
	require.Equal(t, inngesttest.StatusCancelled, run.Status)
	require.Equal(t, calls, run.Calls)
}

// TestE2EDebounceTimeout: a debounce that keeps being extended stops taking
// events at its Timeout after the first event (the last wait shortened to the
// whole seconds left), and runs with the latest event after the server's delay.
func TestE2EDebounceTimeout(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "capped", Debounce: &inngest.Debounce{Period: 10 * time.Second, Timeout: 25 * time.Second}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	start := env.Now()
	for n := 1; n <= 5; n++ { // events at 0, 5, 10, 15, 20 s
		env.Send(t, e2eStarted.New(e2eData{N: n}))
		advance(env, 5*time.Second)
	}
	advance(env, flow.DebounceDelay)
	run := env.WaitForFunction(t, "capped")
	inngesttest.RequireOutput(t, run, "5")
	require.Equal(t, 25*time.Second+flow.DebounceDelay, run.StartedAt.Sub(start))
}

// TestE2EBatchKey: batches are kept per key value.
func TestE2EBatchKey(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "per-user", BatchEvents: &inngest.BatchEvents{MaxSize: 2, Timeout: 10 * time.Second, Key: "event.data.user"}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) ([]int, error) {
			var ns []int
			for _, ev := range in.Events {
				ns = append(ns, ev.Data.N)
			}
			return ns, nil
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "a", N: 1}), e2eStarted.New(e2eData{User: "b", N: 2}), e2eStarted.New(e2eData{User: "a", N: 3}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), "[1,3]")
	require.Empty(t, env.RunsForEvent(ids[1]))
	advance(env, 10*time.Second)
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[1]), "[2]")
}

// TestE2EThrottleBurstAndKey: Burst lets extra runs start at once; throttling
// is per key.
func TestE2EThrottleBurstAndKey(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "bursty", Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute, Burst: 1, Key: "event.data.user"}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	start := env.Now()
	ids := env.Send(t,
		e2eStarted.New(e2eData{User: "a", N: 0}), e2eStarted.New(e2eData{User: "a", N: 1}), e2eStarted.New(e2eData{User: "a", N: 2}),
		e2eStarted.New(e2eData{User: "b", N: 3}))
	want := []time.Duration{0, 0, time.Minute, 0}
	for i, id := range ids {
		run := env.WaitForRun(t, id)
		inngesttest.RequireOutput(t, run, fmt.Sprint(i))
		require.Equal(t, want[i], callsOf(run)[0].At.Sub(start), "run %d", i)
	}
}
