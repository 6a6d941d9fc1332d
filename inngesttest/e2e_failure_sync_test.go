package inngesttest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// TestE2EFailureHandlers: when a run fails for good (after its retries), the
// function's own OnFailure handler runs exactly once with the original typed
// event and the error, and a global inngest.OnFunctionFailed handler sees the
// function id and run id. Neither runs for a completed run.
func TestE2EFailureHandlers(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var mu sync.Mutex
	var own []inngest.FailureInput[e2eData]
	var global []inngest.FunctionFailed
	fn := newFn(t, env, inngest.FunctionOpts{ID: "charge", Retries: 2}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			if in.Event.Data.User == "bad" {
				return "", errors.New("card declined for " + in.Event.Data.User)
			}
			return "charged", nil
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[e2eData]) error {
			mu.Lock()
			own = append(own, in)
			mu.Unlock()
			return nil
		}))
	alert := newFn(t, env, inngest.FunctionOpts{ID: "alert"}, inngest.OnFunctionFailed(),
		func(ctx context.Context, in inngest.Input[inngest.FunctionFailed]) (string, error) {
			mu.Lock()
			global = append(global, in.Event.Data)
			mu.Unlock()
			return "alerted", nil
		})
	env.Serve(fn, alert)

	good := env.Send(t, e2eStarted.New(e2eData{User: "good", N: 1}))
	bad := env.Send(t, e2eStarted.New(e2eData{User: "bad", N: 7}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, good[0]), `"charged"`)
	failed := env.WaitForRun(t, bad[0])
	inngesttest.RequireFailed(t, failed)
	require.Equal(t, 3, failed.Attempts)

	h := inngesttest.RequireFailureHandlerRan(t, env, "charge")
	require.Contains(t, []string{"test-app-charge-failure", "test-app-alert"}, h.FunctionID)
	env.WaitFor(t, "both failure handlers done", func(runs []runtype.Run) bool {
		done := 0
		for _, r := range runs {
			if (r.FunctionID == "test-app-charge-failure" || r.FunctionID == "test-app-alert") && r.Status.Done() {
				done++
			}
		}
		return done == 2
	})
	// Count once the engine is idle: a duplicate handler run would exist by then.
	require.Eventually(t, env.Engine().Idle, 10*time.Second, time.Millisecond)
	require.Len(t, runsOf(env, "charge-failure"), 1)
	require.Len(t, runsOf(env, "alert"), 1)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, own, 1, "the per-function failure handler did not run exactly once")
	require.Equal(t, bad[0], own[0].Event.ID)
	require.Equal(t, e2eStarted.EventName(), own[0].Event.Name)
	require.Equal(t, e2eData{User: "bad", N: 7}, own[0].Event.Data)
	require.Contains(t, own[0].Error.Message, "card declined for bad")
	require.Equal(t, failed.ID, own[0].RunID)
	require.Equal(t, "test-app-charge", own[0].FunctionID)

	require.Len(t, global, 1, "the global failure handler did not run exactly once")
	require.Equal(t, "test-app-charge", global[0].FunctionID)
	require.Equal(t, failed.ID, global[0].RunID)
	require.Equal(t, bad[0], global[0].Event.ID)
	require.JSONEq(t, `{"user":"bad","n":7,"prio":0}`, string(global[0].Event.Data))
	require.Contains(t, global[0].Error.Message, "card declined for bad")
}

// TestE2EResync: syncing the same app again with another set of functions
// replaces them: the removed function's events start nothing, a changed
// function runs its new code, an added one is triggered.
func TestE2EResync(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	version := func(v string) inngest.Handler[e2eData, string] {
		return func(ctx context.Context, in inngest.Input[e2eData]) (string, error) { return v, nil }
	}
	keep := newFn(t, env, inngest.FunctionOpts{ID: "keep"}, inngest.OnEvent(e2eStarted), version("v1"))
	drop := newFn(t, env, inngest.FunctionOpts{ID: "drop"}, inngest.OnEvent(e2eOther), version("dropped"))
	env.Serve(keep, drop)
	ids := env.Send(t, e2eOther.New(e2eData{}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `"dropped"`)

	// The same app (same client, same app id) served by a second handler with a
	// different function set, synced the way the dev server syncs.
	keep2 := newFn(t, env, inngest.FunctionOpts{ID: "keep"}, inngest.OnEvent(e2eStarted), version("v2"))
	added := newFn(t, env, inngest.FunctionOpts{ID: "added"}, inngest.OnEvent(e2eSignal), version("added"))
	resync(t, env, keep2, added)

	dropped := env.Send(t, e2eOther.New(e2eData{}))
	require.Empty(t, env.RunsForEvent(dropped[0]), "a function removed by the re-sync was triggered")
	kept := env.Send(t, e2eStarted.New(e2eData{}))
	run := env.WaitForRun(t, kept[0])
	inngesttest.RequireOutput(t, run, `"v2"`)
	require.Equal(t, "test-app-keep", run.FunctionID)
	sig := env.Send(t, e2eSignal.New(e2eData{}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, sig[0]), `"added"`)
	require.Len(t, runsOf(env, "drop"), 1)
}
