package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2EStepRunImmediate: the first step runs inside the discovery call and is
// reported as StepRun; the next call completes the run.
func TestE2EStepRunImmediate(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "greet", Checkpoint: noCheckpoint}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			return step.Run(ctx, "hello", func(ctx context.Context) (string, error) {
				return "hello " + in.Event.Data.User, nil
			})
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "ada"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"hello ada"`)
	inngesttest.RequireStepAttempts(t, run, "hello", 1)
	require.Equal(t, `{"data":"hello ada"}`, string(run.Steps[0].Result))
	require.Equal(t, []string{"step", "step"}, stepIDs(callsOf(run)), "StepRun in the discovery call, then a discovery call that completes")
	require.Equal(t, []string{"StepRun(hello)"}, historyDetails(run, "ops"))
}

func stepIDs(calls []inngestCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.StepID
	}
	return out
}

// TestE2EParallelPlannedTargeted: three parallel branches are reported as
// StepPlanned in one discovery response, each is then run by a targeted call
// (stepId = its hash), and a final discovery call completes the run.
func TestE2EParallelPlannedTargeted(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "fan"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) ([]string, error) {
			branch := func(id string) func(ctx context.Context) (string, error) {
				return func(ctx context.Context) (string, error) {
					return step.Run(ctx, id, func(ctx context.Context) (string, error) { return id + " done", nil })
				}
			}
			return step.Parallel(ctx, branch("a"), branch("b"), branch("c"))
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `["a done","b done","c done"]`)
	require.Len(t, run.Steps, 3)

	ops := historyDetails(run, "ops")
	require.NotEmpty(t, ops)
	require.Equal(t, "StepPlanned(a), StepPlanned(b), StepPlanned(c)", ops[0])

	calls := stepIDs(callsOf(run))
	require.Len(t, calls, 5, "discovery, 3 targeted calls, discovery")
	require.Equal(t, "step", calls[0])
	require.Equal(t, "step", calls[4])
	var hashes []string
	for _, id := range []string{"a", "b", "c"} {
		inngesttest.RequireStepRan(t, run, id)
		s, _ := run.Step(id)
		require.Equal(t, "StepRun", s.Op)
		hashes = append(hashes, s.ID)
	}
	require.ElementsMatch(t, hashes, calls[1:4], "each planned step gets exactly one targeted call")
	require.Equal(t, 5, run.Calls)
}

// TestE2ESleepAndSleepUntil: Sleep and SleepUntil park the run on the virtual
// clock; it resumes exactly when they are due.
func TestE2ESleepAndSleepUntil(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	start := env.Now()
	fn := newFn(t, env, inngest.FunctionOpts{ID: "sleepy", Checkpoint: noCheckpoint}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return "", err
			}
			until, err := time.Parse(time.RFC3339, in.Event.Data.Until)
			if err != nil {
				return "", inngest.NoRetry(err)
			}
			if err := step.SleepUntil(ctx, "until", until); err != nil {
				return "", err
			}
			return "awake", nil
		})
	env.Serve(fn)
	ids := env.Send(t, e2eStarted.New(e2eData{Until: start.Add(24 * time.Hour).Format(time.RFC3339)}))

	pendingStep := func(id, op string) {
		t.Helper()
		env.WaitFor(t, "step "+id+" pending", func(runs []runtype.Run) bool {
			for _, r := range runs {
				if s, ok := r.Step(id); ok && s.Op == op && !s.Done {
					return true
				}
			}
			return false
		})
	}
	pendingStep("nap", "Sleep")
	advance(env, 59*time.Minute)
	require.False(t, env.RunsForEvent(ids[0])[0].Status.Done())
	pendingStep("nap", "Sleep")
	advance(env, time.Minute)
	pendingStep("until", "Sleep")
	advance(env, 22*time.Hour)
	pendingStep("until", "Sleep")
	advance(env, time.Hour)

	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"awake"`)
	require.Equal(t, 24*time.Hour, run.EndedAt.Sub(start))
	require.Equal(t, []string{"1h0m0s", "woke up", "23h0m0s", "woke up"}, historyDetails(run, "sleep"))
	for _, id := range []string{"nap", "until"} {
		s, ok := run.Step(id)
		require.True(t, ok)
		require.True(t, s.Done)
		require.JSONEq(t, "null", string(s.Result))
	}
}

func newWaiter(t *testing.T, env *inngesttest.Env) *inngest.Function[e2eData, string] {
	return newFn(t, env, inngest.FunctionOpts{ID: "waiter"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			ev, ok, err := step.WaitForEvent(ctx, "signal", e2eSignal, time.Hour,
				step.WaitOpts{If: "async.data.user == event.data.user && async.data.n > event.data.n"})
			if err != nil {
				return "", err
			}
			if !ok {
				return "timed out", nil
			}
			return fmt.Sprintf("got %s %d", ev.Data.User, ev.Data.N), nil
		})
}

// TestE2EWaitForEventMatched: only an event satisfying the If expression (over
// event and async) resolves the wait; it is handed to the function.
func TestE2EWaitForEventMatched(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newWaiter(t, env))
	start := env.Now()
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 5}))
	env.WaitingFor(t, e2eSignal.EventName())
	advance(env, 30*time.Minute)
	env.Send(t, e2eSignal.New(e2eData{User: "u2", N: 9}), e2eSignal.New(e2eData{User: "u1", N: 5}))
	require.False(t, env.WaitingFor(t, e2eSignal.EventName()).Status.Done(), "non-matching events resolved the wait")
	matched := env.Send(t, e2eSignal.New(e2eData{User: "u1", N: 6}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"got u1 6"`)
	got := inngesttest.DecodeStep[events.Event[e2eData]](t, run, "signal")
	require.Equal(t, matched[0], got.ID)
	require.Equal(t, 30*time.Minute, run.EndedAt.Sub(start))
}

// TestE2EWaitForEventTimedOut: no matching event within the timeout resolves
// the wait with null.
func TestE2EWaitForEventTimedOut(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newWaiter(t, env))
	start := env.Now()
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 5}))
	env.WaitingFor(t, e2eSignal.EventName())
	env.Send(t, e2eSignal.New(e2eData{User: "u2", N: 9}))
	advance(env, time.Hour)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"timed out"`)
	s, ok := run.Step("signal")
	require.True(t, ok)
	require.JSONEq(t, "null", string(s.Result))
	require.Equal(t, time.Hour, run.EndedAt.Sub(start))
}

type e2eSum struct {
	Numbers []int `json:"numbers"`
	Fail    bool  `json:"fail,omitempty"`
	Slow    bool  `json:"slow,omitempty"`
}

// TestE2EInvoke: step.Invoke returns the child's result, a *inngest.StepError
// for a failed child, and a *inngest.StepError when the invoke times out.
func TestE2EInvoke(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	child := newFn(t, env, inngest.FunctionOpts{ID: "sum"}, inngest.InvokeOnly[e2eSum](),
		func(ctx context.Context, in inngest.Input[e2eSum]) (int, error) {
			if in.Event.Data.Fail {
				return 0, inngest.NoRetry(errors.New("cannot add"))
			}
			if in.Event.Data.Slow {
				if err := step.Sleep(ctx, "dawdle", 2*time.Hour); err != nil {
					return 0, err
				}
			}
			total := 0
			for _, n := range in.Event.Data.Numbers {
				total += n
			}
			return total, nil
		})
	type result struct {
		Sum     int    `json:"sum"`
		StepID  string `json:"step_id,omitempty"`
		Name    string `json:"name,omitempty"`
		Message string `json:"message,omitempty"`
	}
	parent := newFn(t, env, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (result, error) {
			arg := e2eSum{Numbers: []int{1, 2, 3}, Fail: in.Event.Data.User == "fail", Slow: in.Event.Data.User == "slow"}
			sum, err := step.Invoke(ctx, "add", child.Ref(), arg, time.Hour)
			var se *inngest.StepError
			if errors.As(err, &se) {
				return result{StepID: se.StepID, Name: se.Name, Message: se.Message}, nil
			}
			return result{Sum: sum}, err
		})
	env.Serve(child, parent)

	ok := env.Send(t, e2eStarted.New(e2eData{User: "ok"}))
	fail := env.Send(t, e2eStarted.New(e2eData{User: "fail"}))
	slow := env.Send(t, e2eStarted.New(e2eData{User: "slow"}))

	run := env.WaitForRun(t, ok[0])
	inngesttest.RequireOutput(t, run, `{"sum":6}`)
	s, _ := run.Step("add")
	require.Equal(t, "InvokeFunction", s.Op)

	run = env.WaitForRun(t, fail[0])
	res := inngesttest.DecodeOutput[result](t, run)
	require.Equal(t, "add", res.StepID)
	require.Contains(t, res.Message, "cannot add")

	run = env.WaitForRun(t, slow[0])
	res = inngesttest.DecodeOutput[result](t, run)
	require.Equal(t, "add", res.StepID)
	require.Equal(t, "InngestInvokeTimeoutError", res.Name)
	require.Equal(t, time.Hour, run.EndedAt.Sub(run.StartedAt))

	children := env.WaitForFunctionRuns(t, "sum", 3)
	byStatus := map[runtype.Status]int{}
	for _, c := range children {
		require.NotEmpty(t, c.ParentRunID)
		byStatus[c.Status]++
	}
	require.Equal(t, 2, byStatus[inngesttest.StatusCompleted])
	require.Equal(t, 1, byStatus[inngesttest.StatusFailed])
}

// TestE2ESendEvent: step.SendEvent returns the ids of the sent events, and each
// sent event triggers its function.
func TestE2ESendEvent(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	sender := newFn(t, env, inngest.FunctionOpts{ID: "sender"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) ([]string, error) {
			return step.SendEvent(ctx, "fan-out",
				e2eOther.New(e2eData{User: in.Event.Data.User, N: 1}), e2eOther.New(e2eData{User: in.Event.Data.User, N: 2}))
		})
	receiver := newFn(t, env, inngest.FunctionOpts{ID: "receiver"}, inngest.OnEvent(e2eOther),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			return fmt.Sprintf("%s/%d", in.Event.Data.User, in.Event.Data.N), nil
		})
	env.Serve(sender, receiver)
	ids := env.Send(t, e2eStarted.New(e2eData{User: "ada"}))
	run := env.WaitForRun(t, ids[0])
	sent := inngesttest.DecodeOutput[[]string](t, run)
	require.Len(t, sent, 2)
	require.NotEqual(t, sent[0], sent[1])
	require.Equal(t, sent, inngesttest.DecodeStep[[]string](t, run, "fan-out"))
	for i, id := range sent {
		r := env.WaitForRun(t, id)
		require.Equal(t, "test-app-receiver", r.FunctionID)
		require.Equal(t, []string{id}, r.EventIDs)
		inngesttest.RequireOutput(t, r, fmt.Sprintf(`"ada/%d"`, i+1))
	}
}
