package exec

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestStopCannotBeRecovered: a user recover() in a deferred function does not
// swallow the stop of a reported step; the code after the step does not run, and
// a step called from that deferred function is refused with ErrRunFinished.
func TestStopCannotBeRecovered(t *testing.T) {
	t.Parallel()
	var recovered any
	var deferredErr error
	after := false
	r := execute(t, callOpts{noImmed: true}, func(ctx context.Context, _ *Input) ([]byte, error) {
		defer func() {
			recovered = recover()
			_, deferredErr = runStep(ctx, "from-defer", func(context.Context) (int, error) { return 1, nil })
		}()
		_, err := runStep(ctx, "planned", func(context.Context) (int, error) { return 1, nil })
		after = true
		return []byte(`"should not be the result"`), err
	})
	require.Equal(t, []string{"StepPlanned:planned"}, opNames(ops(t, r)))
	require.Nil(t, recovered)
	require.False(t, after)
	require.ErrorIs(t, deferredErr, ErrRunFinished)
}

// TestStepMisuse: steps outside a run, nested in another step, on a busy frame,
// and after the call ended get their sentinel errors, not a crash.
func TestStepMisuse(t *testing.T) {
	t.Parallel()
	_, err := Begin(context.Background(), "x")
	require.ErrorIs(t, err, ErrNoRun)
	require.ErrorIs(t, Parallel(context.Background(), 1, func(context.Context, int) {}), ErrNoRun)

	var nestedErr, nestedParErr, busyErr, busyParErr error
	var kept context.Context
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		kept = ctx
		s, err := Begin(ctx, "open")
		require.NoError(t, err)
		_, busyErr = Begin(ctx, "second")
		busyParErr = Parallel(ctx, 1, func(context.Context, int) {})
		s.f.release()
		return nil, firstErr(runStep(ctx, "outer", func(sctx context.Context) (int, error) {
			_, nestedErr = runStep(sctx, "inner", func(context.Context) (int, error) { return 0, nil })
			nestedParErr = Parallel(sctx, 1, func(context.Context, int) {})
			return 1, nil
		}))
	})
	require.Equal(t, []string{"StepRun:outer"}, opNames(ops(t, r)))
	require.ErrorIs(t, nestedErr, ErrNested)
	require.ErrorIs(t, nestedParErr, ErrNested)
	require.ErrorIs(t, busyErr, ErrStray)
	require.ErrorIs(t, busyParErr, ErrStray)

	_, err = Begin(kept, "late")
	require.ErrorIs(t, err, ErrRunFinished)
	require.ErrorIs(t, Parallel(kept, 1, func(context.Context, int) {}), ErrRunFinished)
}

func firstErr(_ int, err error) error { return err }

// TestPanicBecomesErrorResponse: a panic in the function is a 500 with the wire
// error {name, message, stack}: the message is "panic: <value>" and the stack, in
// its own field, names the panicking function.
func TestPanicBecomesErrorResponse(t *testing.T) {
	t.Parallel()
	var logged []string
	r := execute(t, callOpts{call: func(c *Call) { c.Logger = captureLogger(&logged) }}, func(context.Context, *Input) ([]byte, error) {
		panicky()
		return nil, nil
	})
	require.Equal(t, 500, r.Status)
	require.False(t, r.NoRetry)
	b := errBody(t, r)
	require.Equal(t, "Error", b.Name)
	require.Equal(t, "panic: kaboom", b.Message)
	require.Contains(t, b.Stack, "internal/exec.panicky")
	require.NotContains(t, b.Message, "goroutine")
	require.Len(t, logged, 1)
	require.Contains(t, logged[0], "function panicked")
}

//go:noinline
func panicky() { panic("kaboom") }

// TestPanicInParallelBranch: a branch's panic is re-raised on the function's
// goroutine with the branch's own stack, after every branch ended.
func TestPanicInParallelBranch(t *testing.T) {
	t.Parallel()
	otherEnded := false
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		err := Parallel(ctx, 2, func(ctx context.Context, i int) {
			if i == 0 {
				panicky()
			}
			time.Sleep(10 * time.Millisecond)
			otherEnded = true
		})
		return nil, err
	})
	require.Equal(t, 500, r.Status)
	b := errBody(t, r)
	require.Equal(t, "panic: kaboom", b.Message)
	require.Contains(t, b.Stack, "internal/exec.panicky")
	require.True(t, otherEnded, "Parallel waits for every branch before re-raising")
}

// TestFunctionOutcomes: the response of each way a function call ends.
func TestFunctionOutcomes(t *testing.T) {
	t.Parallel()
	at := time.Unix(2_000_000_000, 0)
	cases := []struct {
		name    string
		o       callOpts
		h       Handler
		status  int
		body    string // JSON, compared with JSONEq
		noRetry bool
		retry   time.Time
	}{
		{name: "result", h: ret(map[string]int{"n": 1}), status: 200, body: `{"n":1}`},
		{name: "no result", h: func(context.Context, *Input) ([]byte, error) { return nil, nil }, status: 200, body: `null`},
		{name: "plain error", h: func(context.Context, *Input) ([]byte, error) { return nil, errors.New("bad") },
			status: 500, body: `{"name":"Error","message":"bad"}`},
		{name: "classified error, no retry", h: func(context.Context, *Input) ([]byte, error) {
			return nil, &FnError{Err: errors.New("x"), Name: "NonRetriableError", Message: "stop", Stack: "st", NoRetry: true}
		}, status: 400, body: `{"name":"NonRetriableError","message":"stop","stack":"st"}`, noRetry: true},
		{name: "classified error, retry after", h: func(context.Context, *Input) ([]byte, error) {
			return nil, &FnError{Err: errors.New("x"), Message: "later", RetryAfter: at}
		}, status: 500, body: `{"name":"Error","message":"later"}`, retry: at},
		{name: "stopped without a step", h: func(ctx context.Context, _ *Input) ([]byte, error) {
			s, _ := Begin(ctx, "s")
			s.Stop(nil)
			return nil, nil
		}, status: 500, body: `{"name":"StepNotFound","message":"the function stopped without reporting a step"}`},
		{name: "targeted step never reached", o: callOpts{stepID: "abc"}, h: ret(1),
			status: 200, body: `1`},
		{name: "targeted step skipped past", o: callOpts{stepID: "abc"}, h: func(ctx context.Context, _ *Input) ([]byte, error) {
			_, err := runStep(ctx, "x", func(context.Context) (int, error) { return 1, nil })
			return nil, err
		}, status: 500, body: `{"name":"StepNotFound","message":"could not find step abc to run"}`},
		{name: "step error", o: callOpts{attempt: 0, maxAtt: 3}, h: func(ctx context.Context, _ *Input) ([]byte, error) {
			_, err := runStep(ctx, "x", func(context.Context) (int, error) { return 0, errors.New("flaky") })
			return nil, err
		}, status: 206, body: `[{"op":"StepError","id":"` + wire.HashID("x", 0) + `","name":"x","data":null,"error":{"name":"Error","message":"flaky"}}]`},
		{name: "step failed on the last attempt", o: callOpts{attempt: 2, maxAtt: 3}, h: func(ctx context.Context, _ *Input) ([]byte, error) {
			_, err := runStep(ctx, "x", func(context.Context) (int, error) { return 0, errors.New("flaky") })
			return nil, err
		}, status: 206, body: `[{"op":"StepFailed","id":"` + wire.HashID("x", 0) + `","name":"x","data":null,"error":{"name":"Error","message":"flaky"}}]`, noRetry: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, tc.o, tc.h)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			require.JSONEq(t, tc.body, string(r.Body))
			require.Equal(t, tc.noRetry, r.NoRetry)
			require.True(t, tc.retry.Equal(r.RetryAfter), "retry after %v, want %v", r.RetryAfter, tc.retry)
		})
	}
}

// TestFailSetsRetryAfter: a step failing with a retry time puts it on the 206.
func TestFailSetsRetryAfter(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_900_000_000, 0)
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		s, err := Begin(ctx, "rate-limited")
		require.NoError(t, err)
		s.Fail(wire.Op{Op: wire.OpStepError, ID: s.Hash, Name: s.ID, Error: &wire.MemoError{Name: "Error", Message: "429"}}, at)
		return nil, nil
	})
	require.Equal(t, []string{"StepError:rate-limited"}, opNames(ops(t, r)))
	require.True(t, at.Equal(r.RetryAfter))
	require.False(t, r.NoRetry)
}
