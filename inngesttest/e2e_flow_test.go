package inngesttest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// runsOf returns the current runs of function slug fn (of the default app).
func runsOf(env *inngesttest.Env, fn string) []runtype.Run {
	var out []runtype.Run
	for _, r := range env.Runs() {
		if r.FunctionID == inngesttest.DefaultAppID+"-"+fn {
			out = append(out, r)
		}
	}
	return out
}

// sleeping waits until n runs of fn are paused in step id (a Sleep).
func sleeping(t *testing.T, env *inngesttest.Env, fn, id string, n int) {
	t.Helper()
	env.WaitFor(t, fmt.Sprintf("%d run(s) of %s sleeping in %s", n, fn, id), func(runs []runtype.Run) bool {
		c := 0
		for _, r := range runs {
			if s, ok := r.Step(id); ok && r.FunctionID == inngesttest.DefaultAppID+"-"+fn && !s.Done && !r.Status.Done() {
				c++
			}
		}
		return c >= n
	})
}

// napper sleeps for an hour and returns the user.
func napper(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
	if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
		return "", err
	}
	return in.Event.Data.User, nil
}

// TestE2EConcurrency: a limit of 1 (whole function, or per key) never lets two
// calls overlap; runs with different keys do overlap.
func TestE2EConcurrency(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "event.data.user"} {
		t.Run("key="+key, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			var mu sync.Mutex
			active := map[string]int{}
			peak := map[string]int{}
			u2started := make(chan struct{})
			release := make(chan struct{})
			var once, releaseOnce sync.Once
			releaseFirst := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(releaseFirst)
			fn := newFn(t, env, inngest.FunctionOpts{ID: "limited", Concurrency: []inngest.Concurrency{{Limit: 1, Key: key}}},
				inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					return step.Run(ctx, "work", func(ctx context.Context) (string, error) {
						u := in.Event.Data.User
						group := u
						if key == "" {
							group = "all"
						}
						mu.Lock()
						active[group]++
						peak[group] = max(peak[group], active[group])
						mu.Unlock()
						defer func() {
							mu.Lock()
							active[group]--
							mu.Unlock()
						}()
						if u == "u2" {
							once.Do(func() { close(u2started) })
							return "u2", nil
						}
						if in.Event.Data.N == 0 {
							// The first u1 run holds its slot until the test lets go.
							<-release
							return "first", nil
						}
						return "u1", nil
					})
				})
			env.Serve(fn)
			ids := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 0}))
			env.WaitFor(t, "u1's first call in flight", func(runs []runtype.Run) bool {
				return len(runs) == 1 && runs[0].Calls == 1
			})
			more := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}), e2eStarted.New(e2eData{User: "u1", N: 2}), e2eStarted.New(e2eData{User: "u2"}))
			if key == "" {
				// Quiet with only the first call in flight: every other run has
				// been tried and held back, none is about to start.
				require.Eventually(t, func() bool { return env.Engine().Quiet(1) }, 10*time.Second, time.Millisecond)
				select {
				case <-u2started:
					t.Fatal("u2 started while the function's only slot was held")
				default:
				}
			} else {
				// A different key runs to the end while the first u1 run holds its slot.
				inngesttest.RequireOutput(t, env.WaitForRun(t, more[2]), `"u2"`)
			}
			releaseFirst()
			inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `"first"`)
			for _, id := range more {
				inngesttest.RequireCompleted(t, env.WaitForRun(t, id))
			}
			mu.Lock()
			defer mu.Unlock()
			if key == "" {
				require.Equal(t, 1, peak["all"], "two runs of the function overlapped")
				return
			}
			require.Equal(t, 1, peak["u1"], "two runs of the same key overlapped")
		})
	}
}

// TestE2EThrottle: starts over the limit are delayed, spread over the period on
// the virtual clock; nothing is dropped.
func TestE2EThrottle(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "throttled", Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	start := env.Now()
	ids := env.Send(t, e2eStarted.New(e2eData{N: 0}), e2eStarted.New(e2eData{N: 1}), e2eStarted.New(e2eData{N: 2}))
	for i, id := range ids {
		run := env.WaitForRun(t, id)
		inngesttest.RequireOutput(t, run, fmt.Sprint(i))
		calls := callsOf(run)
		require.NotEmpty(t, calls)
		require.Equal(t, time.Duration(i)*time.Minute, calls[0].At.Sub(start), "run %d started at the wrong time", i)
	}
}

// TestE2ERateLimit: events over the limit start no run. As on the server
// (testdata/realserver/ratelimit.json), the limit is a GCRA spacing starts
// Period/Limit apart with a burst of Limit/10: 2 per hour allows one start,
// then one every 30 minutes, per key.
func TestE2ERateLimit(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "rated", RateLimit: &inngest.RateLimit{Limit: 2, Period: time.Hour, Key: "event.data.user"}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	ids := env.Send(t,
		e2eStarted.New(e2eData{User: "u1", N: 1}), e2eStarted.New(e2eData{User: "u1", N: 2}),
		e2eStarted.New(e2eData{User: "u2", N: 3}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), "1")
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[2]), "3")
	require.Empty(t, env.RunsForEvent(ids[1]), "an event over the limit started a run")

	advance(env, 30*time.Minute)
	next := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 4}), e2eStarted.New(e2eData{User: "u1", N: 5}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, next[0]), "4")
	require.Empty(t, env.RunsForEvent(next[1]), "a second start within 30 minutes")
	require.Len(t, runsOf(env, "rated"), 3)
}

// TestE2EDebounce: only the last event of a burst runs, one period after it
// plus the server's delay (flow.DebounceDelay).
func TestE2EDebounce(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "debounced", Debounce: &inngest.Debounce{Period: 10 * time.Second, Key: "event.data.user"}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	var last []string
	for n := 1; n <= 3; n++ {
		last = env.Send(t, e2eStarted.New(e2eData{User: "u1", N: n}))
		advance(env, 5*time.Second)
	}
	sentLast := env.Now().Add(-5 * time.Second)
	require.Empty(t, runsOf(env, "debounced"), "a run started before the period passed")
	advance(env, 5*time.Second)
	require.Empty(t, runsOf(env, "debounced"), "a run started before the server's delay passed")
	advance(env, flow.DebounceDelay)
	run := env.WaitForFunction(t, "debounced")
	inngesttest.RequireOutput(t, run, "3")
	require.Equal(t, last, run.EventIDs)
	require.Equal(t, 10*time.Second+flow.DebounceDelay, run.StartedAt.Sub(sentLast))
	advance(env, time.Minute)
	require.Len(t, runsOf(env, "debounced"), 1)
}

// TestE2EBatchEvents: a full batch starts one run with every event; a partial
// batch starts when its timeout passes.
func TestE2EBatchEvents(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "batched", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 10 * time.Second}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) ([]int, error) {
			var ns []int
			for _, ev := range in.Events {
				ns = append(ns, ev.Data.N)
			}
			return ns, nil
		})
	env.Serve(fn)
	full := env.Send(t, e2eStarted.New(e2eData{N: 1}), e2eStarted.New(e2eData{N: 2}), e2eStarted.New(e2eData{N: 3}))
	run := env.WaitForRun(t, full[0])
	inngesttest.RequireOutput(t, run, "[1,2,3]")
	require.Equal(t, full, run.EventIDs)
	require.Len(t, run.Events, 3)

	partial := env.Send(t, e2eStarted.New(e2eData{N: 4}), e2eStarted.New(e2eData{N: 5}))
	advance(env, 9*time.Second)
	require.Empty(t, env.RunsForEvent(partial[0]), "a partial batch started before its timeout")
	advance(env, time.Second)
	run = env.WaitForRun(t, partial[0])
	inngesttest.RequireOutput(t, run, "[4,5]")
	require.Equal(t, partial, run.EventIDs)
	require.Len(t, runsOf(env, "batched"), 2)
}

// TestE2EPriority: behind a concurrency limit, the higher-priority run starts
// first even though it was sent last.
func TestE2EPriority(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	release := make(chan struct{})
	entered := make(chan struct{})
	var mu sync.Mutex
	var order []string
	fn := newFn(t, env, inngest.FunctionOpts{ID: "prioritized",
		Concurrency: []inngest.Concurrency{{Limit: 1}}, Priority: &inngest.Priority{Run: "event.data.prio"}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			return step.Run(ctx, "work", func(ctx context.Context) (string, error) {
				mu.Lock()
				order = append(order, in.Event.Data.User)
				mu.Unlock()
				if in.Event.Data.User == "blocker" {
					close(entered)
					<-release
				}
				return in.Event.Data.User, nil
			})
		})
	env.Serve(fn)
	blocker := env.Send(t, e2eStarted.New(e2eData{User: "blocker"}))
	<-entered
	low := env.Send(t, e2eStarted.New(e2eData{User: "low", Prio: -60}))
	mid := env.Send(t, e2eStarted.New(e2eData{User: "mid", Prio: 0}))
	high := env.Send(t, e2eStarted.New(e2eData{User: "high", Prio: 60}))
	close(release)
	for _, id := range [][]string{blocker, low, mid, high} {
		inngesttest.RequireCompleted(t, env.WaitForRun(t, id[0]))
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"blocker", "high", "mid", "low"}, order)
}

// TestE2EIdempotency: events with the same idempotency key start one run.
func TestE2EIdempotency(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "once", Idempotency: "event.data.user"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}), e2eStarted.New(e2eData{User: "u1", N: 2}), e2eStarted.New(e2eData{User: "u2", N: 3}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), "1")
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[2]), "3")
	require.Empty(t, env.RunsForEvent(ids[1]), "the same key started a second run")
	require.Len(t, runsOf(env, "once"), 2)
}

// TestE2ECancelOn: a matching event cancels a sleeping run; a non-matching one
// (same name, If false) does not.
func TestE2ECancelOn(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "cancellable",
		CancelOn: []inngest.CancelOn{{Event: e2eCancel, If: "async.data.user == event.data.user"}}},
		inngest.OnEvent(e2eStarted), napper)
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}), e2eStarted.New(e2eData{User: "u2"}))
	sleeping(t, env, "cancellable", "nap", 2)
	env.Send(t, e2eCancel.New(e2eData{User: "u3"}))
	sleeping(t, env, "cancellable", "nap", 2)
	cancel := env.Send(t, e2eCancel.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	require.Equal(t, inngesttest.StatusCancelled, run.Status, run.String())
	require.Contains(t, run.Error.Message, cancel[0])
	advance(env, time.Hour)
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[1]), `"u2"`)
}

// TestE2ETimeouts: a run that cannot start within Timeouts.Start, or finish
// within Timeouts.Finish, is cancelled.
func TestE2ETimeouts(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	// Throttling delays the second run's start by an hour, past its start timeout.
	startFn := newFn(t, env, inngest.FunctionOpts{ID: "start-to",
		Throttle: &inngest.Throttle{Limit: 1, Period: time.Hour}, Timeouts: &inngest.Timeouts{Start: 10 * time.Minute}},
		inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (int, error) { return in.Event.Data.N, nil })
	finishFn := newFn(t, env, inngest.FunctionOpts{ID: "finish-to", Timeouts: &inngest.Timeouts{Finish: 30 * time.Minute}},
		inngest.OnEvent(e2eOther), napper)
	env.Serve(startFn, finishFn)
	ids := env.Send(t, e2eStarted.New(e2eData{N: 1}), e2eStarted.New(e2eData{N: 2}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), "1")
	late := env.WaitForRun(t, ids[1])
	require.Equal(t, inngesttest.StatusCancelled, late.Status, late.String())
	require.Zero(t, late.Calls, "a run cancelled before it started was called")
	require.Equal(t, 10*time.Minute, late.EndedAt.Sub(late.StartedAt))

	slow := env.Send(t, e2eOther.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, slow[0])
	require.Equal(t, inngesttest.StatusCancelled, run.Status, run.String())
	require.Equal(t, 30*time.Minute, run.EndedAt.Sub(run.StartedAt))
	require.Contains(t, run.Error.Message, "finish timeout")
}

// TestE2ESingleton: in skip mode a second run with the same key is not
// started while the first runs; in cancel mode it replaces the first.
func TestE2ESingleton(t *testing.T) {
	t.Parallel()
	for _, mode := range []inngest.SingletonMode{inngest.SingletonSkip, inngest.SingletonCancel} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
			fn := newFn(t, env, inngest.FunctionOpts{ID: "single", Singleton: &inngest.Singleton{Key: "event.data.user", Mode: mode}},
				inngest.OnEvent(e2eStarted), napper)
			env.Serve(fn)
			first := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}))
			sleeping(t, env, "single", "nap", 1)
			second := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 2}))
			other := env.Send(t, e2eStarted.New(e2eData{User: "u2", N: 3}))
			sleeping(t, env, "single", "nap", 2)
			advance(env, time.Hour)
			inngesttest.RequireOutput(t, env.WaitForRun(t, other[0]), `"u2"`)
			if mode == inngest.SingletonSkip {
				inngesttest.RequireOutput(t, env.WaitForRun(t, first[0]), `"u1"`)
				require.Empty(t, env.RunsForEvent(second[0]), "a second run with the same key started")
				again := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 4}))
				sleeping(t, env, "single", "nap", 1)
				advance(env, time.Hour)
				inngesttest.RequireOutput(t, env.WaitForRun(t, again[0]), `"u1"`)
				return
			}
			old := env.WaitForRun(t, first[0])
			require.Equal(t, inngesttest.StatusCancelled, old.Status, old.String())
			inngesttest.RequireOutput(t, env.WaitForRun(t, second[0]), `"u1"`)
		})
	}
}

// TestE2ECron: moving the virtual clock to the next minute starts a cron run
// whose event carries CronData.
func TestE2ECron(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true, Start: time.Date(2026, 3, 2, 9, 0, 30, 0, time.UTC)})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "every-minute"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (inngest.CronData, error) {
			return in.Event.Data, nil
		})
	env.Serve(fn)
	advance(env, 29*time.Second)
	require.Empty(t, runsOf(env, "every-minute"))
	advance(env, time.Second)
	run := env.WaitForFunction(t, "every-minute")
	require.Equal(t, "inngest/scheduled.timer", run.EventName())
	got := inngesttest.DecodeOutput[inngest.CronData](t, run)
	want := time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)
	require.Equal(t, "* * * * *", got.Cron)
	require.True(t, got.ScheduledAt.Equal(want), got.ScheduledAt)
	require.True(t, got.FireAt.Equal(want), got.FireAt)
	advance(env, 2*time.Minute)
	runs := env.WaitForFunctionRuns(t, "every-minute", 3)
	require.Len(t, runs, 3)
	var at []time.Time
	for _, r := range runs {
		at = append(at, inngesttest.DecodeOutput[inngest.CronData](t, r).ScheduledAt)
	}
	require.True(t, slices.IsSortedFunc(at, func(a, b time.Time) int { return a.Compare(b) }))
}
