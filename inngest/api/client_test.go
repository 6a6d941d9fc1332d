package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngest/api"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

type order struct {
	ID   string `json:"id"`
	Plan string `json:"plan"`
}

var orderPlaced = events.Define[order]("shop/order.placed")

// newShop serves "fulfil", which waits for the signal "ship-<id>" and fails
// for the id "bad".
func newShop(t *testing.T) *inngesttest.Env {
	env := inngesttest.Start(t, inngesttest.Options{AppID: "shop", ManualClock: true})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "fulfil"}, inngest.OnEvent(orderPlaced),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			if in.Event.Data.ID == "bad" {
				return "", inngest.NoRetry(errors.New("bad order"))
			}
			sig, ok, err := step.WaitForSignal[string](ctx, "ship", "ship-"+in.Event.Data.ID, time.Hour)
			if err != nil || !ok {
				return "not shipped", err
			}
			return "shipped by " + sig.Data, nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	return env
}

// started waits until the event started a run that waits (or finished).
func started(t *testing.T, env *inngesttest.Env, eventID string) runtype.Run {
	t.Helper()
	var run runtype.Run
	require.Eventually(t, func() bool {
		rs := env.RunsForEvent(eventID)
		if len(rs) == 0 {
			return false
		}
		run = rs[0]
		return run.Status.Done() || len(run.Waits) > 0
	}, 10*time.Second, 2*time.Millisecond, "event %s started no run", eventID)
	return run
}

func waitStatus(t *testing.T, c *api.Client, runID string, want runtype.Status) api.Run {
	t.Helper()
	var r api.Run
	require.Eventually(t, func() bool {
		var err error
		r, err = c.GetRun(t.Context(), runID)
		return err == nil && r.Status == want
	}, 10*time.Second, 5*time.Millisecond, "run %s never became %s (last %+v)", runID, want, r)
	return r
}

// TestRunsAPI: get a run, list an event's runs, signal it, cancel one, read
// a failed run's error, and a typed 404 for an unknown run.
func TestRunsAPI(t *testing.T) {
	t.Parallel()
	env := newShop(t)
	c := api.New(env.Client())
	ctx := t.Context()

	ids := env.Send(t, orderPlaced.New(order{ID: "o1"}), orderPlaced.New(order{ID: "o2"}), orderPlaced.New(order{ID: "bad"}))
	runs := []runtype.Run{started(t, env, ids[0])}
	got, err := c.EventRuns(ctx, ids[0])
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, runs[0].ID, got[0].ID)
	require.Equal(t, runtype.StatusRunning, got[0].Status)
	require.False(t, got[0].Done())

	runID, err := c.SendSignal(ctx, "ship-o1", "ada")
	require.NoError(t, err)
	require.Equal(t, runs[0].ID, runID)
	done := waitStatus(t, c, runID, runtype.StatusCompleted)
	require.JSONEq(t, `"shipped by ada"`, string(done.Output))
	require.NotNil(t, done.EndedAt)
	require.Nil(t, done.Error())

	second := started(t, env, ids[1])
	require.NoError(t, c.CancelRun(ctx, second.ID))
	waitStatus(t, c, second.ID, runtype.StatusCancelled)

	bad := env.WaitForRun(t, ids[2])
	failed := waitStatus(t, c, bad.ID, runtype.StatusFailed)
	require.NotNil(t, failed.Error())
	require.Contains(t, failed.Error().Message, "bad order")

	_, err = c.GetRun(ctx, "01KZZZZZZZZZZZZZZZZZZZZZZZ")
	require.ErrorIs(t, err, inngest.ErrNotFound)
	var ae *inngest.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusNotFound, ae.Status)

	_, err = c.SendSignal(ctx, "ship-nobody", "x")
	require.ErrorIs(t, err, inngest.ErrNoSignalWait)
}

// TestEventsAPI: get one event and list recent ones by name.
func TestEventsAPI(t *testing.T) {
	t.Parallel()
	env := newShop(t)
	c := api.New(env.Client())
	ids := env.Send(t, orderPlaced.New(order{ID: "o1", Plan: "pro"}))
	env.Send(t, events.Raw{Name: "shop/other", Data: map[string]any{}})
	ev, err := c.GetEvent(t.Context(), ids[0])
	require.NoError(t, err)
	require.Equal(t, "shop/order.placed", ev.Name)
	require.Equal(t, "pro", ev.Data["plan"])
	list, err := c.ListEvents(t.Context(), api.EventsQuery{Name: "shop/order.placed", Limit: 5})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, ids[0], list[0].InternalID)
	all, err := c.ListEvents(t.Context(), api.EventsQuery{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	_, err = c.GetEvent(t.Context(), "01KZZZZZZZZZZZZZZZZZZZZZZZ")
	require.ErrorIs(t, err, inngest.ErrNotFound)
}

// TestBulkCancellation: a cancellation by function, time range and
// expression cancels only the matching unfinished runs; it is listed and
// can be deleted; bad requests are 400s and an unknown function a 404.
func TestBulkCancellation(t *testing.T) {
	t.Parallel()
	env := newShop(t)
	c := api.New(env.Client())
	ctx := t.Context()
	ids := env.Send(t, orderPlaced.New(order{ID: "f1", Plan: "free"}), orderPlaced.New(order{ID: "p1", Plan: "pro"}))
	free := started(t, env, ids[0])
	pro := started(t, env, ids[1])
	env.Advance(time.Minute)

	cn, err := c.CreateCancellation(ctx, api.CancellationRequest{FunctionID: "fulfil", StartedAfter: env.Now().Add(-time.Hour),
		StartedBefore: env.Now(), If: "event.data.plan == 'free'"})
	require.NoError(t, err)
	require.Equal(t, "shop-fulfil", cn.FunctionID)
	require.Equal(t, "bulk_run", cn.Kind)
	waitStatus(t, c, free.ID, runtype.StatusCancelled)
	r, err := c.GetRun(ctx, pro.ID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusRunning, r.Status)

	list, err := c.Cancellations(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, cn.ID, list[0].ID)
	require.NoError(t, c.DeleteCancellation(ctx, cn.ID))
	require.ErrorIs(t, c.DeleteCancellation(ctx, cn.ID), inngest.ErrNotFound)

	for _, tc := range []struct {
		name   string
		req    api.CancellationRequest
		status int
	}{
		{"no function", api.CancellationRequest{StartedBefore: env.Now()}, 400},
		{"no started_before", api.CancellationRequest{FunctionID: "fulfil"}, 400},
		{"future", api.CancellationRequest{FunctionID: "fulfil", StartedBefore: env.Now().Add(time.Hour)}, 400},
		{"bad expression", api.CancellationRequest{FunctionID: "fulfil", StartedBefore: env.Now(), If: "event.data.plan =="}, 400},
		{"unknown function", api.CancellationRequest{FunctionID: "nope", StartedBefore: env.Now()}, 404},
	} {
		_, err := c.CreateCancellation(ctx, tc.req)
		var ae *inngest.APIError
		require.ErrorAs(t, err, &ae, tc.name)
		require.Equal(t, tc.status, ae.Status, tc.name)
	}
}

// TestAuthFallback: the hashed signing key authenticates; on a 401 the
// fallback key is tried; with neither accepted the error is ErrUnauthorized.
func TestAuthFallback(t *testing.T) {
	t.Parallel()
	const key = "signkey-test-12345678"
	eng, err := engine.New(engine.Options{Clock: engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), SigningKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(srv.Close)
	client := func(primary, fallback string) *api.Client {
		c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", SigningKey: primary, SigningKeyFallback: fallback, APIBaseURL: srv.URL, EventAPIBaseURL: srv.URL})
		require.NoError(t, err)
		return api.New(c)
	}
	_, err = client(key, "").Cancellations(t.Context())
	require.NoError(t, err)
	_, err = client("signkey-test-abcdef", key).Cancellations(t.Context())
	require.NoError(t, err)
	_, err = client("signkey-test-abcdef", "signkey-test-abcd").Cancellations(t.Context())
	require.ErrorIs(t, err, inngest.ErrUnauthorized)
}

// TestRetries: idempotent reads are retried on 5xx; writes are not; a 429
// is a typed error.
func TestRetries(t *testing.T) {
	t.Parallel()
	var hits, fails atomic.Int32
	fails.Store(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/v1/events" {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":"slow down","status":429}`))
			return
		}
		if fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"data":[],"metadata":{}}`))
	}))
	t.Cleanup(srv.Close)
	ic, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, APIBaseURL: srv.URL})
	require.NoError(t, err)
	c := api.New(ic)
	list, err := c.Cancellations(t.Context())
	require.NoError(t, err)
	require.Empty(t, list)
	require.Equal(t, int32(3), hits.Load())

	fails.Store(1)
	hits.Store(0)
	_, err = c.CreateCancellation(t.Context(), api.CancellationRequest{FunctionID: "f", StartedBefore: time.Now()})
	var ae *inngest.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusServiceUnavailable, ae.Status)
	require.Equal(t, int32(1), hits.Load())

	_, err = c.ListEvents(t.Context(), api.EventsQuery{})
	require.ErrorIs(t, err, inngest.ErrRateLimited)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "slow down", ae.Message)
}
