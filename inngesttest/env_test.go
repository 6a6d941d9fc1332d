package inngesttest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// fatalTB records the first fatal failure and ends the goroutine like
// testing.T does; everything else goes to the real test.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Errorf(format string, args ...any) { f.Fatalf(format, args...) }
func (f *fatalTB) FailNow()                          { f.Fatalf("FailNow") }

// failure runs fn with a fatalTB and returns the fatal message ("" if none).
func failure(t *testing.T, fn func(tb testing.TB)) string {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

var tick = events.Define[struct {
	N int `json:"n"`
}]("app/tick.sent")

type tickData = struct {
	N int `json:"n"`
}

func TestWaitTimeoutDumpsRuns(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true, Timeout: 100 * time.Millisecond})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "sleepy"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) {
			n, err := step.Run(ctx, "before", func(ctx context.Context) (int, error) { return in.Event.Data.N, nil })
			if err != nil {
				return 0, err
			}
			return n, step.Sleep(ctx, "nap", time.Hour)
		})
	require.NoError(t, err)
	env.Serve(fn)
	ids := env.Send(t, tick.New(tickData{N: 5}))
	msg := failure(t, func(tb testing.TB) { env.WaitForRun(tb, ids[0]) })
	require.Contains(t, msg, "gave up after 100ms waiting for 1 finished run(s) of event "+ids[0])
	require.Contains(t, msg, "test-app-sleepy: Running")
	require.Contains(t, msg, `step "nap" Sleep`)
	require.Contains(t, msg, `step "before" StepRun attempts=1 done=true result={"data":5}`)
	require.Contains(t, msg, "hint: a run is sleeping or waiting and the clock is manual")

	env.Advance(time.Hour)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, "5")
	require.Equal(t, inngesttest.DefaultStart.Add(time.Hour), env.Now())
}

func TestRequireFailuresAreReadable(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "adder"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) {
			return step.Run(ctx, "add", func(ctx context.Context) (int, error) { return in.Event.Data.N + 1, nil })
		})
	require.NoError(t, err)
	env.Serve(fn)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{N: 1}))[0])

	tests := []struct {
		name string
		fn   func(tb testing.TB)
		want string
	}{
		{"failed", func(tb testing.TB) { inngesttest.RequireFailed(tb, run) }, "expected the run to fail, it is Completed"},
		{"output", func(tb testing.TB) { inngesttest.RequireOutput(tb, run, "3") }, "output mismatch\nwant: 3\ngot:  2"},
		{"step missing", func(tb testing.TB) { inngesttest.RequireStepRan(tb, run, "nope") }, `step "nope" did not run`},
		{"attempts", func(tb testing.TB) { inngesttest.RequireStepAttempts(tb, run, "add", 2) }, `step "add": expected 2 attempt(s), got 1`},
		{"decode", func(tb testing.TB) { inngesttest.DecodeOutput[string](tb, run) }, "decoding the output 2 as string"},
		{"decode step", func(tb testing.TB) { inngesttest.DecodeStep[string](tb, run, "add") }, `decoding step "add"'s result 2 as string`},
		{"bad expected json", func(tb testing.TB) { inngesttest.RequireOutput(tb, run, "{") }, "the expected output is not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := failure(t, tc.fn)
			require.Contains(t, msg, tc.want)
			if tc.name != "bad expected json" {
				require.Contains(t, msg, "run "+run.ID+" of test-app-adder: Completed")
			}
		})
	}
	// The passing forms.
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireOutput(t, run, " 2 ")
	inngesttest.RequireStepRan(t, run, "add")
	inngesttest.RequireStepAttempts(t, run, "add", 1)
}

func TestSecondAppAndInvoke(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "shop"})
	math := env.NewClient(t, inngest.ClientOptions{AppID: "math"})
	double, err := inngest.NewFunction(math, inngest.FunctionOpts{ID: "double"}, inngest.InvokeOnly[tickData](),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) { return in.Event.Data.N * 2, nil })
	require.NoError(t, err)
	env.ServeClient(t, math, double)
	caller, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "caller"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) {
			return step.Invoke(ctx, "double-it", double.Ref(), tickData{N: in.Event.Data.N}, time.Minute)
		})
	require.NoError(t, err)
	env.Serve(caller)

	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{N: 21}))[0])
	inngesttest.RequireOutput(t, run, "42")
	require.Equal(t, "shop-caller", run.FunctionID)
	child := env.WaitForFunction(t, "math-double")
	require.Equal(t, run.ID, child.ParentRunID)
	inngesttest.RequireOutput(t, child, "42")
	require.Equal(t, 42, inngesttest.DecodeStep[int](t, run, "double-it"))
}

func TestParallelSteps(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "fan"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) ([]int, error) {
			branch := func(id string, v int) func(ctx context.Context) (int, error) {
				return func(ctx context.Context) (int, error) {
					return step.Run(ctx, id, func(ctx context.Context) (int, error) { return v, nil })
				}
			}
			return step.Parallel(ctx, branch("a", 1), branch("b", 2), branch("c", 3))
		})
	require.NoError(t, err)
	env.Serve(fn)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{}))[0])
	inngesttest.RequireOutput(t, run, "[1,2,3]")
	for _, id := range []string{"a", "b", "c"} {
		inngesttest.RequireStepRan(t, run, id)
		inngesttest.RequireStepAttempts(t, run, id, 1)
	}
}

func TestLoopStepsAndMocks(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "loop"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) ([]int, error) {
			var out []int
			for i := range 3 {
				v, err := step.Run(ctx, "item", func(ctx context.Context) (int, error) { return i * 10, nil })
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	env.MockStep("loop", "item:1", 99)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{}))[0])
	inngesttest.RequireOutput(t, run, "[0,99,20]")
	require.Equal(t, 0, inngesttest.DecodeStep[int](t, run, "item"))
	require.Equal(t, 20, inngesttest.DecodeStep[int](t, run, "item:1"), "item:1 is the second step the engine saw; the mocked one is not listed")
}

func TestMisuseFailsClearly(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "one"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (int, error) { return 1, nil })
	require.NoError(t, err)
	env.Serve(fn)

	tests := []struct {
		name string
		fn   func(tb testing.TB)
		want string
	}{
		{"serve twice", func(tb testing.TB) { env.ServeClient(tb, env.Client(), fn) }, `app "test-app" is already served`},
		{"foreign client", func(tb testing.TB) {
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "other", Mode: inngest.ModeDev})
			require.NoError(tb, err)
			env.ServeClient(tb, c, fn)
		}, `client "other" does not point at the environment`},
		{"bad event", func(tb testing.TB) { env.Send(tb, events.Envelope{Name: "", Data: []byte(`{}`)}) }, "sending events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, failure(t, tc.fn), tc.want)
		})
	}
}

// TestMocksWithLargeState checks that mocks also reach a call whose state is
// too large to be sent inline (use_api: the SDK fetches it from the API).
func TestMocksWithLargeState(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		t.Skip("4 MB of state takes seconds under the race detector; run without -race; make test runs it without -race after the race suite")
	}
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "big"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) ([]int, error) {
			// Two steps of 2.5 MB: together over the 4 MB inline limit, each
			// under the server's 4 MiB per-step limit.
			big, err := step.Run(ctx, "big", func(ctx context.Context) (string, error) { return strings.Repeat("x", 5<<19), nil })
			if err != nil {
				return nil, err
			}
			big2, err := step.Run(ctx, "big2", func(ctx context.Context) (string, error) { return strings.Repeat("y", 5<<19), nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "nap", time.Minute); err != nil {
				return nil, err
			}
			v, err := step.Run(ctx, "mocked", func(ctx context.Context) (int, error) { return -1, nil })
			return []int{len(big) + len(big2), v}, err
		})
	require.NoError(t, err)
	env.Serve(fn)
	env.MockStep("big", "mocked", 7)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{}))[0])
	inngesttest.RequireOutput(t, run, fmt.Sprintf("[%d,7]", 5<<20))
	require.Greater(t, len(run.Steps[0].Result)+len(run.Steps[1].Result), 4<<20, "the state must be over the inline limit")
}
