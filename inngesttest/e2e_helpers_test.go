package inngesttest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// e2eData is the payload of the events the end-to-end tests send.
type e2eData struct {
	User  string `json:"user"`
	N     int    `json:"n"`
	Until string `json:"until,omitempty"`
	Prio  int    `json:"prio"`
}

var (
	e2eStarted = events.Define[e2eData]("e2e/job.started")
	e2eOther   = events.Define[e2eData]("e2e/job.other")
	e2eSignal  = events.Define[e2eData]("e2e/job.signal")
	e2eCancel  = events.Define[e2eData]("e2e/job.cancelled")
)

// noCheckpoint turns checkpointing off so that every step is one call and
// every opcode shows up in the run's history.
var noCheckpoint = inngest.CheckpointOptions{Disabled: true}

// newFn creates a function on env's client and fails the test on error.
func newFn[T, R any](t *testing.T, env *inngesttest.Env, opts inngest.FunctionOpts, tr inngest.Trigger[T], h inngest.Handler[T, R], more ...inngest.FunctionOption[T]) *inngest.Function[T, R] {
	t.Helper()
	fn, err := inngest.NewFunction(env.Client(), opts, tr, h, more...)
	require.NoError(t, err)
	return fn
}

// callsOf returns the run's HTTP calls (history entries of kind "call") in
// order, as step ids ("step" for discovery) with their virtual times.
func callsOf(run runtype.Run) []inngestCall {
	var out []inngestCall
	for _, h := range run.History {
		if h.Kind == "call" {
			out = append(out, inngestCall{StepID: h.StepID, At: h.Time})
		}
	}
	return out
}

type inngestCall struct {
	StepID string
	At     time.Time
}

// historyDetails returns the details of the run's history entries of kind.
func historyDetails(run runtype.Run, kind string) []string {
	var out []string
	for _, h := range run.History {
		if h.Kind == kind {
			out = append(out, h.Detail)
		}
	}
	return out
}

// countingTransport counts requests per path prefix on their way to the engine.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	byFn map[string]int
	n    atomic.Int64
}

func newCountingTransport() *countingTransport {
	return &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone(), byFn: map[string]int{}}
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/v1/checkpoint/") {
		c.n.Add(1)
		c.mu.Lock()
		c.byFn[strings.TrimPrefix(r.URL.Path, "/v1/checkpoint/")]++
		c.mu.Unlock()
	}
	return c.base.RoundTrip(r)
}

// checkpoints returns the number of checkpoint requests made for a run.
func (c *countingTransport) checkpoints(runID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byFn[runID+"/async"]
}

func (c *countingTransport) close() {
	c.base.(*http.Transport).CloseIdleConnections()
}

// resync serves fns as a new handler for env's app and syncs it, replacing the
// functions served before (Env.Serve refuses a second handler for one app).
func resync(t *testing.T, env *inngesttest.Env, fns ...inngest.ServableFunction) {
	t.Helper()
	h, err := serve.New(env.Client(), serve.Options{}, fns...)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, env.Engine().Sync(ctx, srv.URL+inngesttest.ServePath))
}

// advance moves a manual clock forward by d, then wakes the engine's scheduler
// (SetAutoAdvance notifies it) so that a timer it armed with a stale time
// while the clock moved still fires (see TestE2EGapAdvanceRacesTimer, behind
// the e2egap build tag).
func advance(env *inngesttest.Env, d time.Duration) {
	env.Advance(d)
	env.SetAutoAdvance(false)
}
