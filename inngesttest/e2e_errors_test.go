package inngesttest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestE2EStepErrors drives StepError and StepFailed through the engine: retried
// errors, exhausted retries, NoRetry, and panics inside a step.
func TestE2EStepErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		retries  int
		failFor  int // attempts that fail (-1: all)
		panics   bool
		noRetry  bool
		attempts int
		wantOK   bool
		wantMsg  string
	}{
		{name: "retried then success", retries: 2, failFor: 1, attempts: 2, wantOK: true},
		{name: "retries exhausted", retries: 2, failFor: -1, attempts: 3, wantMsg: "upstream down"},
		{name: "no retry", retries: 2, failFor: -1, noRetry: true, attempts: 1, wantMsg: "upstream down"},
		{name: "panic retried then success", retries: 2, failFor: 1, panics: true, attempts: 2, wantOK: true},
		{name: "panic exhausts retries", retries: 1, failFor: -1, panics: true, attempts: 2, wantMsg: "panic: kaboom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			var calls atomic.Int32
			var afterStep atomic.Int32
			fn := newFn(t, env, inngest.FunctionOpts{ID: "flaky", Retries: tt.retries}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					out, err := step.Run(ctx, "call-api", func(ctx context.Context) (string, error) {
						n := calls.Add(1)
						if tt.failFor < 0 || int(n) <= tt.failFor {
							if tt.panics {
								panic("kaboom")
							}
							if tt.noRetry {
								return "", inngest.NoRetry(errors.New("upstream down"))
							}
							return "", errors.New("upstream down")
						}
						return "ok", nil
					})
					afterStep.Add(1)
					return out, err
				})
			env.Serve(fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireStepAttempts(t, run, "call-api", tt.attempts)
			require.EqualValues(t, tt.attempts, calls.Load(), "the step's code ran once per attempt")
			s, _ := run.Step("call-api")
			if tt.wantOK {
				inngesttest.RequireOutput(t, run, `"ok"`)
				require.Nil(t, s.Error)
				require.Equal(t, "StepRun", s.Op)
				return
			}
			inngesttest.RequireFailed(t, run)
			require.Equal(t, "StepFailed", s.Op)
			require.NotNil(t, s.Error)
			require.Contains(t, s.Error.Message, tt.wantMsg)
			require.NotNil(t, run.Error)
			require.Equal(t, "StepError", run.Error.Name, "an unhandled step error fails the function without retries")
			require.Contains(t, run.Error.Message, tt.wantMsg)
			require.Positive(t, afterStep.Load(), "the handler saw the step's *StepError on replay")
			retries := historyDetails(run, "retry")
			require.Len(t, retries, tt.attempts-1)
		})
	}
}

// TestE2ERetryAfter: a step error or a function error marked with RetryAfter is
// retried no earlier than asked, on the virtual clock.
func TestE2ERetryAfter(t *testing.T) {
	t.Parallel()
	const delay = 30 * time.Minute
	for _, inStep := range []bool{true, false} {
		name := "function"
		if inStep {
			name = "step"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// A one-second backoff would pass long before the requested delay.
			env := inngesttest.Start(t, inngesttest.Options{RetryBackoff: func(int) time.Duration { return time.Second }})
			var seen []time.Time
			var calls atomic.Int32
			fn := newFn(t, env, inngest.FunctionOpts{ID: "limited", Checkpoint: noCheckpoint}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					if !inStep {
						if in.Attempt == 0 {
							return "", inngest.RetryAfter(errors.New("429 from upstream"), delay)
						}
						return "ok", nil
					}
					return step.Run(ctx, "call", func(ctx context.Context) (string, error) {
						if calls.Add(1) == 1 {
							return "", inngest.RetryAfter(errors.New("429 from upstream"), delay)
						}
						return "ok", nil
					})
				})
			env.Serve(fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireOutput(t, run, `"ok"`)
			for _, c := range callsOf(run) {
				seen = append(seen, c.At)
			}
			require.GreaterOrEqual(t, len(seen), 2)
			require.GreaterOrEqual(t, seen[1].Sub(seen[0]), delay, "the retry came before Retry-After")
			require.LessOrEqual(t, seen[1].Sub(seen[0]), delay+time.Second, "Retry-After is rounded up to the second at most")
			require.Equal(t, []string{"attempt 1 in 30m0s"}, historyDetails(run, "retry"))
			if inStep {
				inngesttest.RequireStepAttempts(t, run, "call", 2)
			} else {
				require.Equal(t, 2, run.Attempts)
			}
		})
	}
}

// TestE2EFunctionErrors: an error returned by the handler outside steps is
// retried at the function level; NoRetry and exhausted retries fail the run.
func TestE2EFunctionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		retries  int
		fail     func(attempt int) error
		panics   bool
		attempts int
		wantName string // "" when the run completes
		wantMsg  string
	}{
		{name: "retried then success", retries: 2, attempts: 2,
			fail: func(a int) error {
				if a == 0 {
					return errors.New("db unavailable")
				}
				return nil
			}},
		{name: "retries exhausted", retries: 1, attempts: 2, wantName: "Error", wantMsg: "db unavailable",
			fail: func(int) error { return errors.New("db unavailable") }},
		{name: "no retry", retries: 3, attempts: 1, wantName: "NonRetriableError", wantMsg: "bad input",
			fail: func(int) error { return inngest.NoRetry(errors.New("bad input")) }},
		{name: "panic retried then success", retries: 2, attempts: 2, panics: true,
			fail: func(a int) error {
				if a == 0 {
					return errors.New("kaboom")
				}
				return nil
			}},
		{name: "panic exhausts retries", retries: 1, attempts: 2, panics: true, wantName: "Error", wantMsg: "kaboom",
			fail: func(int) error { return errors.New("kaboom") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			var handlerCalls atomic.Int32
			fn := newFn(t, env, inngest.FunctionOpts{ID: "fragile", Retries: tt.retries}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					handlerCalls.Add(1)
					if err := tt.fail(in.Attempt); err != nil {
						if tt.panics {
							panic(err.Error())
						}
						return "", err
					}
					return "done", nil
				})
			env.Serve(fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			require.Equal(t, tt.attempts, run.Attempts)
			require.EqualValues(t, tt.attempts, handlerCalls.Load())
			require.Len(t, historyDetails(run, "retry"), tt.attempts-1)
			if tt.wantName == "" {
				inngesttest.RequireOutput(t, run, `"done"`)
				return
			}
			inngesttest.RequireFailed(t, run)
			require.NotNil(t, run.Error)
			require.Equal(t, tt.wantName, run.Error.Name)
			require.Contains(t, run.Error.Message, tt.wantMsg)
		})
	}
}
