package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngest/api"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

var checkout = events.Define[order]("shop/checkout.started")

// counter counts step bodies by step name.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[id]++
	return c.n[id]
}

func (c *counter) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

// newCheckout serves "checkout": step "reserve", then "charge", which fails
// for good the first time it runs, then "ship"; and "twice", which uses the
// step ID "x" twice.
func newCheckout(t *testing.T) (*inngesttest.Env, *counter) {
	env := inngesttest.Start(t, inngesttest.Options{AppID: "shop"})
	c := &counter{n: map[string]int{}}
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "checkout"}, inngest.OnEvent(checkout),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			r, err := step.Run(ctx, "reserve", func(context.Context) (string, error) { c.add("reserve"); return "r-" + in.Event.Data.ID, nil })
			if err != nil {
				return "", err
			}
			ch, err := step.Run(ctx, "charge", func(context.Context) (string, error) {
				if c.add("charge") == 1 {
					return "", inngest.NoRetry(errors.New("card declined"))
				}
				return "c-" + r, nil
			})
			if err != nil {
				return "", err
			}
			s, err := step.Run(ctx, "ship", func(context.Context) (string, error) { c.add("ship"); return "s-" + ch, nil })
			return s, err
		})
	require.NoError(t, err)
	twice, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "twice"}, inngest.OnEvent(orderPlaced),
		func(ctx context.Context, in inngest.Input[order]) (int, error) {
			sum := 0
			for i := range 2 {
				v, err := step.Run(ctx, "x", func(context.Context) (int, error) { c.add("x"); return i + 1, nil })
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
	require.NoError(t, err)
	env.Serve(fn, twice)
	return env, c
}

// TestRerun: a failed run is rerun from its failed step through the REST
// API v2 (the step before it is memoized, not run again) and completes; a
// whole rerun runs every step again; both reuse the original event and
// link to the original run.
func TestRerun(t *testing.T) {
	t.Parallel()
	env, n := newCheckout(t)
	c := api.New(env.Client())
	ctx := t.Context()

	ids := env.Send(t, checkout.New(order{ID: "o1"}))
	first := env.WaitForRun(t, ids[0])
	require.Equal(t, runtype.StatusFailed, first.Status)

	fromCharge, err := c.Rerun(ctx, first.ID, api.RerunOptions{FromStep: "charge"})
	require.NoError(t, err)
	require.NotEqual(t, first.ID, fromCharge)
	done := waitStatus(t, c, fromCharge, runtype.StatusCompleted)
	require.JSONEq(t, `"s-c-r-o1"`, string(done.Output))
	require.Equal(t, ids[0], done.EventID, "the rerun reuses the original event")
	require.Equal(t, 1, n.get("reserve"), "the step before the rerun step is memoized")
	require.Equal(t, 2, n.get("charge"))
	require.Equal(t, 1, n.get("ship"))
	rerun, err := env.Engine().Run(fromCharge)
	require.NoError(t, err)
	require.Equal(t, first.ID, rerun.OriginalRunID)
	reserve, ok := rerun.Step("reserve")
	require.True(t, ok)
	require.True(t, reserve.Done)
	require.JSONEq(t, `"r-o1"`, string(reserve.Data()))

	whole, err := c.Rerun(ctx, fromCharge, api.RerunOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `"s-c-r-o1"`, string(waitStatus(t, c, whole, runtype.StatusCompleted).Output))
	require.Equal(t, 2, n.get("reserve"), "a whole rerun runs every step")
	require.Equal(t, 3, n.get("charge"))
	again, err := env.Engine().Run(whole)
	require.NoError(t, err)
	require.Equal(t, first.ID, again.OriginalRunID, "a rerun of a rerun links to the first run")

	// A repeated step ID is ambiguous by name; its hashed ID names one.
	tw := env.Send(t, orderPlaced.New(order{ID: "t"}))
	twiceRun := waitStatus(t, c, env.WaitForRun(t, tw[0]).ID, runtype.StatusCompleted)
	_, err = c.Rerun(ctx, twiceRun.ID, api.RerunOptions{FromStep: "x"})
	require.ErrorIs(t, err, api.ErrRerunStepAmbiguous)
	orig, err := env.Engine().Run(twiceRun.ID)
	require.NoError(t, err)
	second, ok := orig.Step("x:1")
	require.True(t, ok)
	byHash, err := c.Rerun(ctx, twiceRun.ID, api.RerunOptions{FromStep: second.ID})
	require.NoError(t, err)
	require.JSONEq(t, `3`, string(waitStatus(t, c, byHash, runtype.StatusCompleted).Output))
	require.Equal(t, 3, n.get("x"), "only the second x ran again")
}

// TestRerunErrors: each error answer is a typed error: errors.Is with the
// sentinel of its kind, errors.As with the server's status, code and
// message.
func TestRerunErrors(t *testing.T) {
	t.Parallel()
	env, _ := newCheckout(t)
	c := api.New(env.Client())
	ids := env.Send(t, checkout.New(order{ID: "o1"}))
	run := env.WaitForRun(t, ids[0])
	for _, tc := range []struct {
		name     string
		run      string
		opts     api.RerunOptions
		sentinel error
		status   int
		code     string
		message  string
	}{
		{"unknown run", "01KZZZZZZZZZZZZZZZZZZZZZZZ", api.RerunOptions{}, inngest.ErrNotFound, 404, "not_found", "Run not found"},
		{"bad run id", "nope", api.RerunOptions{}, nil, 400, "invalid_field_format", "Run ID must be a valid ULID"},
		{"unknown step", run.ID, api.RerunOptions{FromStep: "nope"}, api.ErrRerunStepNotFound, 400, "invalid_request", "Step not found in original run"},
		{"input without step", run.ID, api.RerunOptions{Input: []any{1}}, nil, 400, "missing_field", "Step ID is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Rerun(t.Context(), tc.run, tc.opts)
			if tc.sentinel != nil {
				require.ErrorIs(t, err, tc.sentinel)
			}
			var ae *inngest.APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.status, ae.Status)
			require.Equal(t, tc.code, ae.Code)
			require.Equal(t, tc.message, ae.Message)
		})
	}
}

// TestRerunAuth: with a signing key, the engine's v2 API wants it, as the
// server's does.
func TestRerunAuth(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{SigningKey: "signkey-test-12345678"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		key  string
		want error
	}{{"signkey-test-abcdef", inngest.ErrUnauthorized}, {"signkey-test-12345678", inngest.ErrNotFound}} {
		ic, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", SigningKey: tc.key, APIBaseURL: srv.URL, EventAPIBaseURL: srv.URL})
		require.NoError(t, err)
		_, err = api.New(ic).Rerun(t.Context(), "01KZZZZZZZZZZZZZZZZZZZZZZZ", api.RerunOptions{})
		require.ErrorIs(t, err, tc.want, tc.key)
	}
}

// TestRerunAnswers: the client's side of answers the engine does not give:
// a 501 is ErrRerunNotSupported, a 2xx without a run ID is an error, and
// the request goes to /v2 with the hashed signing key.
func TestRerunAnswers(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string
	)
	answers := map[string]struct {
		status int
		body   string
	}{
		"01AAAAAAAAAAAAAAAAAAAAAAAA": {http.StatusNotImplemented, `{"errors":[{"code":"not_implemented","message":"Rerunning cron-triggered runs is not yet supported"}]}`},
		"01BBBBBBBBBBBBBBBBBBBBBBBB": {http.StatusOK, `{"data":{},"metadata":{}}`},
		"01CCCCCCCCCCCCCCCCCCCCCCCC": {http.StatusOK, `{"data":{"runId":"01DDDDDDDDDDDDDDDDDDDDDDDD"},"metadata":{"fetchedAt":"2026-01-01T00:00:00Z"}}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		for id, a := range answers {
			if r.URL.Path == "/v2/runs/"+id+"/rerun" {
				w.WriteHeader(a.status)
				_, _ = w.Write([]byte(a.body))
				return
			}
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	ic, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", SigningKey: "signkey-test-12345678", APIBaseURL: srv.URL, EventAPIBaseURL: srv.URL})
	require.NoError(t, err)
	c := api.New(ic)

	_, err = c.Rerun(t.Context(), "01AAAAAAAAAAAAAAAAAAAAAAAA", api.RerunOptions{})
	require.ErrorIs(t, err, api.ErrRerunNotSupported)
	var ae *inngest.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "not_implemented", ae.Code)
	_, err = c.Rerun(t.Context(), "01BBBBBBBBBBBBBBBBBBBBBBBB", api.RerunOptions{})
	require.ErrorContains(t, err, "names no new run")
	id, err := c.Rerun(t.Context(), "01CCCCCCCCCCCCCCCCCCCCCCCC", api.RerunOptions{FromStep: "b", Input: []any{}})
	require.NoError(t, err)
	require.Equal(t, "01DDDDDDDDDDDDDDDDDDDDDDDD", id)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3, "a rerun is not retried")
	require.Equal(t, "POST /v2/runs/01CCCCCCCCCCCCCCCCCCCCCCCC/rerun Bearer signkey-test-"+hashedKeyForTest, seen[2])
}

// hashedKeyForTest is the SHA-256 of the hex key 12345678, as sent.
const hashedKeyForTest = "b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c"
