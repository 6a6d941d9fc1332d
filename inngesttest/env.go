package inngesttest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// DefaultTimeout is how long, in wall-clock time, the Wait* methods wait before
// failing the test.
const DefaultTimeout = 10 * time.Second

// DefaultAppID is the app id of the environment's client when Options.AppID is
// empty and cannot be inferred from the functions given to New.
const DefaultAppID = "test-app"

// DefaultStart is the virtual time an environment starts at.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Options configure an Env. The zero value works.
type Options struct {
	// AppID is the app id of the environment's client (Client). Default: the app
	// id of the first function given to New, else DefaultAppID.
	AppID string
	// Start is the virtual time the clock starts at. Default DefaultStart.
	Start time.Time
	// ManualClock turns the clock's auto-advance off: time then moves only through
	// Advance. By default, whenever the engine has nothing to do, the clock jumps
	// to the next timer, so sleeps, retry backoffs and wait timeouts pass at once.
	// Turn it off to act while a run waits (for example to send the event a
	// step.WaitForEvent is waiting for before it times out).
	ManualClock bool
	// Timeout bounds every Wait* call in wall-clock time. Default DefaultTimeout.
	Timeout time.Duration
	// RetryBackoff returns the delay before retry number attempt. Default:
	// engine.DefaultRetryBackoff (which costs nothing on the auto-advancing clock).
	RetryBackoff func(attempt int) time.Duration
	// Logger receives the engine's and the SDK's logs. Default: discarded.
	Logger *slog.Logger
	// Client holds options for the environment's client. Mode, APIBaseURL and
	// EventAPIBaseURL are always overridden to point at the environment; AppID is
	// taken from Options.AppID when set there.
	Client inngest.ClientOptions
}

// Env is an in-process Inngest server on a virtual clock, with apps served over
// HTTP on the loopback interface. Everything it starts is stopped when the test
// ends. Its methods are safe for concurrent use.
type Env struct {
	t       testing.TB
	opts    Options
	clock   *engine.VirtualClock
	eng     *engine.Engine
	gw      *connectgw.Gateway
	api     *httptest.Server
	logger  *slog.Logger
	client  *inngest.Client
	tr      *http.Transport
	httpc   *http.Client
	timeout time.Duration

	mu      sync.Mutex
	apps    []*app
	workers []*worker
	mocks   map[string]map[string]mockEntry // function id or slug → step id → mock
	mockSeq uint64
	closed  bool
}

// Start starts an engine on a virtual clock and serves its API (events, sync,
// checkpoints) on an httptest server. Create functions with Client (or a client
// from NewClient), then serve them with Serve. Everything is stopped by
// t.Cleanup.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	clk := engine.NewVirtualClock(opts.Start)
	clk.SetAutoAdvance(!opts.ManualClock)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	httpc := &http.Client{Transport: tr}
	e := &Env{t: t, opts: opts, clock: clk, logger: logger, tr: tr, httpc: httpc, timeout: opts.Timeout,
		mocks: map[string]map[string]mockEntry{}}
	// The environment lives as long as the test: it keeps every run and event
	// (a multi-day sleep on the auto-advancing clock must not prune the runs
	// the test is about to inspect).
	eng, err := engine.New(engine.Options{Clock: clk, Logger: logger, HTTPClient: httpc, RetryBackoff: opts.RetryBackoff, Retention: -1})
	if err != nil {
		t.Fatalf("inngesttest: starting the engine: %v", err)
	}
	e.eng = eng
	// The engine's Connect gateway shares the API's origin, as on cmd/devserver.
	e.gw = connectgw.New(eng, connectgw.Options{Logger: logger})
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", e.gw.Handler())
	mux.Handle("/v0/connect/", e.gw.Handler())
	mux.Handle("/", e.apiHandler(eng.Handler()))
	e.api = httptest.NewServer(mux)
	t.Cleanup(e.close)
	co := opts.Client
	if opts.AppID != "" {
		co.AppID = opts.AppID
	}
	if co.AppID == "" {
		co.AppID = DefaultAppID
	}
	e.client = e.NewClient(t, co)
	return e
}

// New starts an environment (see Start) and serves fns with its client (see
// Serve). The functions may have been created with any client: they are served
// by the environment's client, whose app id defaults to theirs.
func New(t testing.TB, opts Options, fns ...inngest.ServableFunction) *Env {
	t.Helper()
	if opts.AppID == "" && opts.Client.AppID == "" {
		opts.AppID = appIDOf(fns)
	}
	e := Start(t, opts)
	if len(fns) > 0 {
		e.Serve(fns...)
	}
	return e
}

// appIDOf infers the app id from a function's full id and slug.
func appIDOf(fns []inngest.ServableFunction) string {
	for _, f := range fns {
		s, ok := f.(interface{ Slug() string })
		if !ok {
			continue
		}
		if id, ok := strings.CutSuffix(f.ID(), "-"+s.Slug()); ok && id != "" {
			return id
		}
	}
	return ""
}

// NewClient returns a dev-mode client pointed at the environment, built from
// opts: Mode, APIBaseURL, EventAPIBaseURL and BaseURL are overridden; HTTPClient
// and Logger default to the environment's. AppID defaults to DefaultAppID. Use
// it for a second app, or for a client with non-default options; serve its
// functions with ServeClient.
func (e *Env) NewClient(t testing.TB, opts inngest.ClientOptions) *inngest.Client {
	t.Helper()
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	opts.Mode = inngest.ModeDev
	opts.BaseURL = e.api.URL
	opts.APIBaseURL = e.api.URL
	opts.EventAPIBaseURL = e.api.URL
	opts.DevServerURL = e.api.URL
	if opts.HTTPClient == nil {
		opts.HTTPClient = e.httpc
	}
	if opts.Logger == nil {
		opts.Logger = e.logger
	}
	c, err := inngest.NewClient(opts)
	if err != nil {
		t.Fatalf("inngesttest: creating a client: %v", err)
	}
	return c
}

// Client returns the environment's dev-mode client: create functions with it and
// send events with it (or with Send).
func (e *Env) Client() *inngest.Client { return e.client }

// Engine returns the embedded engine, for what this package does not wrap.
func (e *Env) Engine() *engine.Engine { return e.eng }

// URL returns the origin of the engine's HTTP API (event API and API).
func (e *Env) URL() string { return e.api.URL }

// Now returns the virtual time.
func (e *Env) Now() time.Time { return e.clock.Now() }

// Advance moves the virtual clock forward by d, firing every timer now due
// (sleeps, wait timeouts, retries).
func (e *Env) Advance(d time.Duration) { e.clock.Advance(d) }

// SetAutoAdvance turns the clock's auto-advance on or off (see
// Options.ManualClock).
func (e *Env) SetAutoAdvance(on bool) { e.clock.SetAutoAdvance(on) }

// Send sends events through the event API over HTTP, as an app would, and
// returns their ids. It fails the test on error.
func (e *Env) Send(t testing.TB, evs ...events.Sendable) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	ids, err := e.client.Send(ctx, evs...)
	if err != nil {
		t.Fatalf("inngesttest: sending events: %v", err)
	}
	return ids
}

func (e *Env) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	apps := e.apps
	workers := e.workers
	e.mu.Unlock()
	for _, w := range workers {
		w.stop()
	}
	_ = e.gw.Close()
	_ = e.eng.Close()
	for _, a := range apps {
		a.srv.Close()
	}
	e.api.Close()
	e.tr.CloseIdleConnections()
}
