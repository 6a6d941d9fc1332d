package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// faultKind is a failure injected in front of the SDK handler. Every fault is
// injected before the request reaches the handler, so a faulted call never
// runs a step body: the engine must retry it, and memoized steps must never run
// again.
type faultKind int

const (
	faultNone    faultKind = iota
	fault5xx               // a proxy-like 500/502/503 without SDK headers
	faultTimeout           // the handler sleeps past the engine's CallTimeout
	faultReset             // the connection is hijacked and reset
	faultDown              // the listener is closed, reopened on the same port later
	faultKinds
)

func (k faultKind) String() string {
	return [...]string{"none", "5xx", "timeout", "reset", "down"}[k]
}

// faultCallTimeout is the engine's CallTimeout in fault tests that inject
// timeouts: long enough for a normal call under -race on a busy machine, short
// enough for timeouts to be cheap. Other tests use a long one: a genuine call
// cut by the timeout after its step ran would legitimately run it again.
const faultCallTimeout = time.Second

// faultApp serves an SDK handler on 127.0.0.1 behind a fault injector.
type faultApp struct {
	t      testing.TB
	inner  http.Handler
	addr   string
	decide func(r *http.Request) faultKind

	mu       sync.Mutex
	srv      *http.Server
	ln       net.Listener // srv's
	serving  sync.WaitGroup
	down     bool
	refused  int  // failed calls seen while down
	downFor  int  // failed calls to let through before reopening
	crash    bool // GoDown also kills in-flight calls (else they finish)
	injected [faultKinds]int
}

func newFaultApp(t testing.TB, inner http.Handler) *faultApp {
	a := &faultApp{t: t, inner: inner, downFor: 3}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a.addr = ln.Addr().String()
	a.startLocked(ln)
	return a
}

func (a *faultApp) URL() string { return "http://" + a.addr + "/api/inngest" }

func (a *faultApp) startLocked(ln net.Listener) {
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	a.srv, a.ln = srv, ln
	a.serving.Go(func() { _ = srv.Serve(ln) })
}

func (a *faultApp) count(k faultKind) {
	a.mu.Lock()
	a.injected[k]++
	a.mu.Unlock()
}

// Injected returns the number of faults injected, by kind and in total.
func (a *faultApp) Injected() (map[string]int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]int{}
	total := 0
	for k := fault5xx; k < faultKinds; k++ {
		if n := a.injected[k]; n > 0 {
			out[k.String()] = n
			total += n
		}
	}
	return out, total
}

// GoDown closes the listener and idle connections, letting in-flight calls
// finish (with crash set, it kills them too: their steps may have run and
// will run again, the protocol's at-least-once); the app comes back on the
// same port after downFor failed calls (see noteFailure).
func (a *faultApp) GoDown() {
	a.mu.Lock()
	if a.down {
		a.mu.Unlock()
		return
	}
	a.down = true
	a.refused = 0
	srv, ln, crash := a.srv, a.ln, a.crash
	a.mu.Unlock()
	if crash {
		_ = srv.Close()
		return
	}
	// The port is free when GoDown returns: noteFailure may reopen it
	// before the goroutine below has run (it did under load: "bind: address
	// already in use"). Shutdown then lets the calls in flight finish.
	_ = ln.Close()
	a.serving.Go(func() { _ = srv.Shutdown(context.Background()) })
}

// noteFailure is called by the engine's transport on every failed call; while
// the app is down it counts the failure as a fault and reopens the listener
// after downFor of them, before the engine schedules its retry.
func (a *faultApp) noteFailure() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.down {
		return
	}
	a.refused++
	a.injected[faultDown]++
	if a.refused < a.downFor {
		return
	}
	ln, err := net.Listen("tcp", a.addr)
	if err != nil {
		a.t.Errorf("reopening %s: %v", a.addr, err)
		return
	}
	a.down = false
	a.startLocked(ln)
}

// Close stops the app and waits for its Serve loops.
func (a *faultApp) Close() {
	a.mu.Lock()
	srv := a.srv
	a.down = false
	a.mu.Unlock()
	_ = srv.Close()
	a.serving.Wait()
}

func (a *faultApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := faultNone
	if r.Method == http.MethodPost && a.decide != nil {
		k = a.decide(r)
	}
	switch k {
	case fault5xx:
		a.count(k)
		_, _ = io.Copy(io.Discard, r.Body)
		codes := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(codes[rand.IntN(len(codes))])
		_, _ = io.WriteString(w, "<html>upstream unavailable</html>")
	case faultTimeout:
		a.count(k)
		// Reading the body lets the server notice when the engine hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	case faultReset, faultDown:
		if k == faultReset {
			a.count(k)
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			a.t.Errorf("hijack: %v", err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST instead of FIN
		}
		if k == faultDown {
			// This call is the first failure the engine sees while down.
			a.GoDown()
		}
		_ = conn.Close()
	default:
		a.inner.ServeHTTP(w, r)
	}
}

// faultTransport reports every failed call of the engine to the app.
type faultTransport struct {
	base http.RoundTripper
	app  *faultApp
}

func (f *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(r)
	if err != nil {
		f.app.noteFailure()
	}
	return resp, err
}

// faultEnv is an engine on the real clock, its API on loopback, and one SDK
// app behind a faultApp.
type faultEnv struct {
	t      *testing.T
	eng    *engine.Engine
	api    *httptest.Server
	app    *faultApp
	client *inngest.Client
}

// faultOpts configure newFaultEnv.
type faultOpts struct {
	checkpoint  bool
	callTimeout time.Duration // default 10 s
	fns         func(c *inngest.Client) []inngest.ServableFunction
}

func newFaultEnv(t *testing.T, o faultOpts) *faultEnv {
	t.Helper()
	fe := &faultEnv{t: t}
	if o.callTimeout <= 0 {
		o.callTimeout = 10 * time.Second
	}
	engTr := http.DefaultTransport.(*http.Transport).Clone()
	ft := &faultTransport{base: engTr}
	eng, err := engine.New(engine.Options{
		Store:        memstore.NewChecked(),
		RetryBackoff: func(int) time.Duration { return 5 * time.Millisecond },
		CallTimeout:  o.callTimeout,
		HTTPClient:   &http.Client{Transport: ft},
	})
	require.NoError(t, err)
	fe.eng = eng
	fe.api = httptest.NewServer(eng.Handler())
	sdkTr := http.DefaultTransport.(*http.Transport).Clone()
	client, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "faults", Mode: inngest.ModeDev,
		BaseURL: fe.api.URL, APIBaseURL: fe.api.URL, EventAPIBaseURL: fe.api.URL, DevServerURL: fe.api.URL,
		HTTPClient: &http.Client{Transport: sdkTr, Timeout: 10 * time.Second},
		Logger:     slog.New(slog.DiscardHandler),
		Checkpoint: inngest.CheckpointOptions{Disabled: !o.checkpoint},
	})
	require.NoError(t, err)
	fe.client = client
	h, err := serve.New(client, serve.Options{}, o.fns(client)...)
	require.NoError(t, err)
	fe.app = newFaultApp(t, h)
	ft.app = fe.app
	t.Cleanup(func() {
		require.NoError(t, eng.Close())
		fe.app.Close()
		fe.api.Close()
		engTr.CloseIdleConnections()
		sdkTr.CloseIdleConnections()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, eng.Sync(ctx, fe.app.URL()))
	return fe
}

type faultEvent struct {
	I int `json:"i"`
}

var faultEvents = events.Define[faultEvent]("faults/step.run")

// stepCounter counts the executions of each step body.
type stepCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *stepCounter) inc(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
}

func (c *stepCounter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

var faultStepNames = []string{"a", "b", "c"}

// threeStepFn is a function of three steps whose bodies count their executions.
func threeStepFn(c *inngest.Client, counts *stepCounter) inngest.ServableFunction {
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "three", Retries: inngest.MaxRetries}, inngest.OnEvent(faultEvents),
		func(ctx context.Context, in inngest.Input[faultEvent]) (int, error) {
			sum := 0
			for _, name := range faultStepNames {
				v, err := step.Run(ctx, name, func(context.Context) (int, error) {
					counts.inc(fmt.Sprintf("%d/%s", in.Event.Data.I, name))
					return in.Event.Data.I, nil
				})
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
	if err != nil {
		panic(err)
	}
	return fn
}

// alternate faults every other call with kind until budget faults were injected.
func alternate(kind faultKind, budget int) func(*http.Request) faultKind {
	var mu sync.Mutex
	last, used := false, 0
	return func(*http.Request) faultKind {
		mu.Lock()
		defer mu.Unlock()
		if last || used >= budget {
			last = false
			return faultNone
		}
		last = true
		used++
		return kind
	}
}

// downOnCall takes the app down on call number n (1-based) and never again.
func downOnCall(n int64) func(*http.Request) faultKind {
	var calls atomic.Int64
	return func(*http.Request) faultKind {
		if calls.Add(1) == n {
			return faultDown
		}
		return faultNone
	}
}

// mixed injects a random fault in about a third of the calls (seeded), with
// few timeouts (they cost CallTimeout each) and at most one outage.
func mixed(seed uint64, budget int) func(*http.Request) faultKind {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	used, downs, timeouts := 0, 0, 0
	return func(*http.Request) faultKind {
		mu.Lock()
		defer mu.Unlock()
		if used >= budget || rng.IntN(3) != 0 {
			return faultNone
		}
		used++
		switch x := rng.IntN(10); {
		case x == 0 && downs == 0:
			downs++
			return faultDown
		case x == 1 && timeouts < 3:
			timeouts++
			return faultTimeout
		case x < 6:
			return faultReset
		default:
			return fault5xx
		}
	}
}

func TestFaultsStepsRetriedAndRunOnce(t *testing.T) {
	t.Parallel()
	const runs = 6
	var totalMu sync.Mutex
	total := 0
	t.Cleanup(func() { t.Logf("faults injected and survived, all cases: %d", total) })
	tests := []struct {
		name       string
		checkpoint bool
		downFirst  bool // the app is down before the events are sent
		crash      bool // the outage kills in-flight calls: steps run at least once
		timeouts   bool // the case injects timeouts: short CallTimeout
		decide     func(*http.Request) faultKind
	}{
		{name: "5xx", decide: alternate(fault5xx, 12)},
		{name: "timeout", timeouts: true, decide: alternate(faultTimeout, 3)},
		{name: "reset", decide: alternate(faultReset, 12)},
		{name: "down mid-run", decide: downOnCall(4)},
		{name: "down before send", downFirst: true},
		{name: "crash mid-run", crash: true, decide: downOnCall(4)},
		{name: "mixed", timeouts: true, decide: mixed(1, 15)},
		{name: "mixed checkpointed", checkpoint: true, timeouts: true, decide: mixed(2, 8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			counts := &stepCounter{}
			var ct time.Duration
			if tc.timeouts {
				ct = faultCallTimeout
			}
			fe := newFaultEnv(t, faultOpts{checkpoint: tc.checkpoint, callTimeout: ct, fns: func(c *inngest.Client) []inngest.ServableFunction {
				return []inngest.ServableFunction{threeStepFn(c, counts)}
			}})
			fe.app.decide = tc.decide
			fe.app.crash = tc.crash
			if tc.downFirst {
				fe.app.GoDown()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			reruns := 0
			ids := make([]string, runs)
			for i := range runs {
				out, err := fe.client.Send(ctx, faultEvents.New(faultEvent{I: i + 1}))
				require.NoError(t, err)
				ids[i] = out[0]
			}
			for i, id := range ids {
				rs, err := fe.eng.WaitForEventRuns(ctx, id, 1)
				require.NoError(t, err)
				require.Len(t, rs, 1, "event %s started one run", id)
				require.Equal(t, runtype.StatusCompleted, rs[0].Status, "run %s: %+v", rs[0].ID, rs[0].Error)
				require.JSONEq(t, fmt.Sprint(3*(i+1)), string(rs[0].Output))
				for _, s := range faultStepNames {
					n := counts.get(fmt.Sprintf("%d/%s", i+1, s))
					if tc.crash {
						require.GreaterOrEqual(t, n, 1, "step %s of run %d ran", s, i+1)
						reruns += n - 1
						continue
					}
					require.Equal(t, 1, n, "step %s of run %d ran once: %+v", s, i+1, rs[0].History)
				}
			}
			require.Len(t, must(fe.eng.Runs()), runs, "one run per event, none lost or doubled")
			byKind, n := fe.app.Injected()
			require.Positive(t, n, "faults were injected")
			totalMu.Lock()
			total += n // every run completed despite them
			totalMu.Unlock()
			t.Logf("faults injected and survived: %d %v; steps re-run after a crash: %d", n, byKind, reruns)
		})
	}
}

func TestFaultsOnFailureRunsOnce(t *testing.T) {
	t.Parallel()
	const runs = 3
	var stepExecs atomic.Int64
	failures := &stepCounter{}
	fe := newFaultEnv(t, faultOpts{fns: func(c *inngest.Client) []inngest.ServableFunction {
		onFail := func(_ context.Context, in inngest.FailureInput[faultEvent]) error {
			failures.inc(in.FunctionID + "/" + in.RunID)
			return nil
		}
		// down5xx is always answered 5xx by the app's proxy.
		down5xx, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "down-5xx", Retries: 2}, inngest.OnEvent(faultEvents),
			func(context.Context, inngest.Input[faultEvent]) (int, error) { return 0, nil }, inngest.OnFailure(onFail))
		require.NoError(t, err)
		// stepFails has a step that always fails.
		stepFails, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "step-fails", Retries: 2}, inngest.OnEvent(faultEvents),
			func(ctx context.Context, _ inngest.Input[faultEvent]) (int, error) {
				return step.Run(ctx, "boom", func(context.Context) (int, error) {
					stepExecs.Add(1)
					return 0, errors.New("boom")
				})
			}, inngest.OnFailure(onFail))
		require.NoError(t, err)
		return []inngest.ServableFunction{down5xx, stepFails}
	}})
	fe.app.decide = func(r *http.Request) faultKind {
		if r.URL.Query().Get("fnId") == "faults-down-5xx" {
			return fault5xx
		}
		return faultNone
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range runs {
		_, err := fe.client.Send(ctx, faultEvents.New(faultEvent{I: i}))
		require.NoError(t, err)
	}
	// 2 functions × runs failures, then one failure handler run for each.
	require.NoError(t, fe.eng.WaitFor(ctx, func(rs []runtype.Run) bool {
		done := 0
		for _, r := range rs {
			if strings.HasSuffix(r.FunctionID, "-failure") && r.Status.Done() {
				done++
			}
		}
		return done >= 2*runs
	}))
	waitUntil(t, fe.eng.Idle)
	failed := 0
	for _, r := range must(fe.eng.Runs()) {
		switch {
		case strings.HasSuffix(r.FunctionID, "-failure"):
			require.Equal(t, runtype.StatusCompleted, r.Status)
		default:
			require.Equal(t, runtype.StatusFailed, r.Status, r.FunctionID)
			require.Equal(t, 1, failures.get(r.FunctionID+"/"+r.ID), "OnFailure of %s ran once", r.ID)
			failed++
		}
	}
	require.Equal(t, 2*runs, failed)
	require.Len(t, must(fe.eng.Runs()), 4*runs)
	require.Equal(t, int64(3*runs), stepExecs.Load(), "a failing step runs 1 + Retries times")
	byKind, total := fe.app.Injected()
	require.Equal(t, 3*runs, total, "3 attempts of down-5xx per run")
	t.Logf("faults injected (exhausting retries): %d %v", total, byKind)
}

func TestCloseWithCallsInFlight(t *testing.T) {
	t.Parallel()
	const runs = 20
	counts := &stepCounter{}
	fe := newFaultEnv(t, faultOpts{fns: func(c *inngest.Client) []inngest.ServableFunction {
		return []inngest.ServableFunction{threeStepFn(c, counts)}
	}})
	// Every call hangs until the engine hangs up (CallTimeout is 10 s).
	fe.app.decide = func(*http.Request) faultKind { return faultTimeout }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range runs {
		_, err := fe.client.Send(ctx, faultEvents.New(faultEvent{I: i}))
		require.NoError(t, err)
	}
	waitUntil(t, func() bool {
		byKind, _ := fe.app.Injected()
		return byKind["timeout"] >= runs
	})
	closed := make(chan error, 1)
	go func() { closed <- fe.eng.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Close did not return with calls in flight")
	}
	for _, r := range must(fe.eng.Runs()) {
		require.False(t, r.Status.Done())
	}
}

// The fault app reopens its port as soon as the engine has seen downFor
// failed calls, which can be right after GoDown returns: GoDown must have
// freed the port by then (it closed the listener in a goroutine, and the
// reopen failed with "address already in use" under load).
func TestFaultAppReopensRightAfterGoingDown(t *testing.T) {
	t.Parallel()
	for range 20 {
		a := newFaultApp(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		a.GoDown()
		for range a.downFor {
			a.noteFailure()
		}
		resp, err := http.Get(a.URL())
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		a.Close()
	}
}
