package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

type payoutApproval struct {
	By     string `json:"by"`
	Amount int    `json:"amount"`
}

// newSignalWaiter waits for the signal named after the event's user.
func newSignalWaiter(t *testing.T, env *inngesttest.Env, id string, conflict step.SignalConflict) *inngest.Function[e2eData, string] {
	return newFn(t, env, inngest.FunctionOpts{ID: id}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			sig, ok, err := step.WaitForSignal[payoutApproval](ctx, "approve", "approve-"+in.Event.Data.User, time.Hour,
				step.SignalOpts{OnConflict: conflict})
			if err != nil {
				return "", err
			}
			if !ok {
				return "timed out", nil
			}
			return fmt.Sprintf("%s approved %d by %s", sig.Name, sig.Data.Amount, sig.Data.By), nil
		})
}

// waitingForSignal waits until a run is paused in step.WaitForSignal for name.
func waitingForSignal(t *testing.T, env *inngesttest.Env, name string, n int) []runtype.Run {
	t.Helper()
	var out []runtype.Run
	env.WaitFor(t, "runs waiting for signal "+name, func(runs []runtype.Run) bool {
		out = out[:0]
		for _, r := range runs {
			for _, w := range r.Waits {
				if !r.Status.Done() && w.Signal == name {
					out = append(out, r)
				}
			}
		}
		return len(out) >= n
	})
	return out
}

// TestE2EWaitForSignal: Client.SendSignal resumes the waiting run with the
// signal's typed data and returns its run ID; the memo has the server's shape.
func TestE2EWaitForSignal(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newSignalWaiter(t, env, "payout", step.SignalConflictFail))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	waiting := waitingForSignal(t, env, "approve-u1", 1)
	runID, err := env.Client().SendSignal(t.Context(), "approve-u1", payoutApproval{By: "ada", Amount: 50})
	require.NoError(t, err)
	require.Equal(t, waiting[0].ID, runID)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"approve-u1 approved 50 by ada"`)
	s, ok := run.Step("approve")
	require.True(t, ok)
	require.JSONEq(t, `{"data":{"signal":"approve-u1","data":{"by":"ada","amount":50}}}`, string(s.Result))

	// The wait is over: the same signal now reaches no run.
	_, err = env.Client().SendSignal(t.Context(), "approve-u1", payoutApproval{})
	require.ErrorIs(t, err, inngest.ErrNoSignalWait)
	require.ErrorIs(t, err, inngest.ErrNotFound)
	var ae *inngest.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.Status)
	require.Equal(t, "No signal found", ae.Message)
}

// TestE2EWaitForSignalTimedOut: without a signal the wait resolves to
// (zero, false) at its timeout, memoized as null.
func TestE2EWaitForSignalTimedOut(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newSignalWaiter(t, env, "payout", step.SignalConflictFail))
	start := env.Now()
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	waitingForSignal(t, env, "approve-u1", 1)
	advance(env, time.Hour)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"timed out"`)
	s, ok := run.Step("approve")
	require.True(t, ok)
	require.JSONEq(t, "null", string(s.Result))
	require.Equal(t, time.Hour, run.EndedAt.Sub(start))
	_, err := env.Client().SendSignal(t.Context(), "approve-u1", nil)
	require.ErrorIs(t, err, inngest.ErrNoSignalWait)
}

// TestE2EWaitForSignalConflict: with the "fail" policy a second wait for an
// owned signal fails its run with the server's conflict error; with
// "replace" the second wait takes the signal and the first one times out.
func TestE2EWaitForSignalConflict(t *testing.T) {
	t.Parallel()
	t.Run("fail", func(t *testing.T) {
		t.Parallel()
		env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
		env.Serve(newSignalWaiter(t, env, "payout", step.SignalConflictFail))
		first := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}))
		waitingForSignal(t, env, "approve-u1", 1)
		second := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 2}))
		run := env.WaitForRun(t, second[0])
		inngesttest.RequireFailed(t, run)
		require.Contains(t, string(run.Output), "Signal conflict; signal wait already exists for another run")
		runID, err := env.Client().SendSignal(t.Context(), "approve-u1", payoutApproval{By: "bo", Amount: 1})
		require.NoError(t, err)
		inngesttest.RequireOutput(t, env.WaitForRun(t, first[0]), `"approve-u1 approved 1 by bo"`)
		require.Equal(t, env.WaitForRun(t, first[0]).ID, runID)
	})
	t.Run("replace", func(t *testing.T) {
		t.Parallel()
		env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
		env.Serve(newSignalWaiter(t, env, "payout", step.SignalConflictReplace))
		first := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 1}))
		waitingForSignal(t, env, "approve-u1", 1)
		second := env.Send(t, e2eStarted.New(e2eData{User: "u1", N: 2}))
		waitingForSignal(t, env, "approve-u1", 2)
		runID, err := env.Client().SendSignal(t.Context(), "approve-u1", payoutApproval{By: "cy", Amount: 2})
		require.NoError(t, err)
		secondRun := env.WaitForRun(t, second[0])
		require.Equal(t, secondRun.ID, runID)
		inngesttest.RequireOutput(t, secondRun, `"approve-u1 approved 2 by cy"`)
		advance(env, time.Hour)
		inngesttest.RequireOutput(t, env.WaitForRun(t, first[0]), `"timed out"`)
	})
}

// TestWaitForSignalRefusesBadArguments: a timeout outside (0, MaxWait] and an
// empty name are non-retriable errors before any op is reported.
func TestWaitForSignalRefusesBadArguments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		signal  string
		timeout time.Duration
		want    error
	}{
		{"zero timeout", "s", 0, step.ErrDurationOutOfRange},
		{"too long", "s", step.MaxWait + time.Second, step.ErrDurationOutOfRange},
		{"empty name", "", time.Minute, step.ErrSignalName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := step.WaitForSignal[payoutApproval](t.Context(), "w", tc.signal, tc.timeout)
			require.ErrorIs(t, err, tc.want)
			var nr *inngest.NoRetryError
			require.True(t, errors.As(err, &nr))
		})
	}
}
