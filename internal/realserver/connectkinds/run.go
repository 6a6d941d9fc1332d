package connectkinds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// Config is how Run reaches the server.
type Config struct {
	// Origin is the server's origin (API, events, Connect start), e.g.
	// http://127.0.0.1:9160.
	Origin string
	// Logger receives the worker's log lines. Default: discarded.
	Logger *slog.Logger
	// Bound bounds each kind's wait for its runs. Default 90 s.
	Bound time.Duration
}

// WorkerOptions are the worker's options in every run of the fixture:
// heartbeats and lease extensions every second, so that a short recording
// holds both.
func WorkerOptions(logger *slog.Logger) connect.Options {
	return connect.Options{InstanceID: "kinds", HeartbeatInterval: time.Second, ExtendLeaseInterval: time.Second, Logger: logger}
}

// spec says how one kind is driven.
type spec struct {
	name string
	// fns are the functions the kind uses; the first is the one whose runs
	// are recorded.
	fns []string
	// events are sent at once when the kind starts (n = 1, 2, …, each with
	// the run's key); gap spaces them instead.
	events int
	gap    time.Duration
	// status is the status every recorded run ends with.
	status string
	// runs is how many runs the first function must end with.
	runs int
	// during runs while the kind waits for its runs.
	during func(ctx context.Context, d *driver, key string)
	// settle is waited after the runs ended, for steps of helper functions
	// and for runs that must not start (rate limit, debounce).
	settle time.Duration
	// notes describes what the fixture observed.
	notes func(d *driver) string
	// anyOutput: see Kind.AnyOutput.
	anyOutput bool
}

// Specs lists the kinds in the order they are recorded.
func specs() []spec {
	one := func(name string, fns ...string) spec {
		return spec{name: name, fns: append([]string{name}, fns...), events: 1, status: "Completed", runs: 1}
	}
	s := []spec{
		one("run"),
		one("sleep"),
		one("wait-matched"),
		one("wait-timeout"),
		one("send", "receiver"),
		one("invoke", "child"),
		one("parallel"),
		one("fetch"),
		one("signal-wait", "signal-send"),
		one("retry"),
		one("onfailure", "onfailure-failure"),
		{name: "concurrency", fns: []string{"concurrency"}, events: 3, status: "Completed", runs: 3},
		{name: "throttle", fns: []string{"throttle"}, events: 3, status: "Completed", runs: 3},
		{name: "ratelimit", fns: []string{"ratelimit"}, events: 3, status: "Completed", runs: 1, settle: 3 * time.Second, anyOutput: true},
		{name: "debounce", fns: []string{"debounce"}, events: 3, gap: 300 * time.Millisecond, status: "Completed", runs: 1, settle: 3 * time.Second},
		one("lease"),
	}
	for i := range s {
		switch s[i].name {
		case "send":
			s[i].settle = 2 * time.Second
		case "wait-matched":
			s[i].during = func(ctx context.Context, d *driver, key string) {
				// A non-matching event (other n) and the matching one, until the run ends.
				for ctx.Err() == nil {
					_, _ = d.client.Send(ctx, def("wait.signal").New(Data{N: 2, Key: key}), def("wait.signal").New(Data{N: 1, Key: key}))
					select {
					case <-ctx.Done():
					case <-time.After(500 * time.Millisecond):
					}
				}
			}
		case "signal-wait":
			s[i].during = func(ctx context.Context, d *driver, key string) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				_, _ = d.client.Send(ctx, def("signal-send").New(Data{N: 1, Key: key}))
			}
			s[i].settle = time.Second
		case "onfailure":
			s[i].status = "Failed"
			s[i].settle = 3 * time.Second
		case "concurrency":
			s[i].notes = func(d *driver) string {
				return fmt.Sprintf("at most %d run in a step at once (limit 1)", d.fx.maxRunning.Load())
			}
		case "throttle":
			s[i].notes = func(d *driver) string {
				d.fx.starts.Lock()
				defer d.fx.starts.Unlock()
				at := append([]time.Time(nil), d.fx.starts.at...)
				sort.Slice(at, func(a, b int) bool { return at[a].Before(at[b]) })
				var gaps []string
				for j := 1; j < len(at); j++ {
					gaps = append(gaps, at[j].Sub(at[j-1]).Round(100*time.Millisecond).String())
				}
				return "starts " + strings.Join(gaps, ", ") + " apart (limit 1 per 2s)"
			}
		case "ratelimit":
			s[i].notes = func(*driver) string {
				return "3 events, limit 1 per minute: one run (which event is not fixed), the other 2 started none"
			}
		case "debounce":
			s[i].notes = func(*driver) string { return "3 events 300 ms apart, period 2s: one run, with the last event" }
		case "lease":
			s[i].notes = func(*driver) string { return "a 3.5 s step; the worker extended its lease every second" }
		}
	}
	return s
}

// driver runs the fixture against one server.
type driver struct {
	cfg    Config
	client *inngest.Client
	fx     *fixture
	http   *http.Client
}

// Run runs every kind through this module's Connect worker against the
// server at cfg.Origin, with a tap between the worker and the gateway, and
// returns what happened. key makes this run's events unique on a server that
// keeps state.
func Run(ctx context.Context, cfg Config, key string) (*Recording, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Bound <= 0 {
		cfg.Bound = 90 * time.Second
	}
	// What step.Fetch asks for (the server makes the request).
	var fetched atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	target := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})}
	go func() { _ = target.Serve(ln) }()
	defer target.Close()

	tap, err := NewTap(cfg.Origin)
	if err != nil {
		return nil, err
	}
	defer tap.Close()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: AppID, Mode: inngest.ModeDev, DevServerURL: tap.URL(), Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	fx, err := newFixture(c, "http://"+ln.Addr().String()+"/fetched")
	if err != nil {
		return nil, err
	}
	w, err := connect.New(c, WorkerOptions(cfg.Logger), fx.fns...)
	if err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	var once sync.Once
	var runErr error
	stopWorker := func() error {
		once.Do(func() { stop(); runErr = <-done })
		return runErr
	}
	defer stopWorker() //nolint:errcheck // the error path already has its error
	ready := time.Now().Add(30 * time.Second)
	for !w.Ready() {
		if time.Now().After(ready) {
			return nil, errors.New("connectkinds: the worker did not become ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The gateway marks the connection ready a moment after it says so
	// (testdata/connect/README.md): give it a heartbeat interval.
	time.Sleep(1500 * time.Millisecond)

	d := &driver{cfg: cfg, client: c, fx: fx, http: httpClient()}
	ss := specs()
	kinds := make([]Kind, len(ss))
	errs := make([]error, len(ss))
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kinds[i], errs[i] = d.kind(ctx, s, key)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := stopWorker(); err != nil {
		return nil, fmt.Errorf("connectkinds: worker: %w", err)
	}
	for i := range kinds {
		if kinds[i].Name == "fetch" {
			kinds[i].Notes = fmt.Sprintf("the server made the request (%d request to the target)", fetched.Load())
		}
	}
	raw, flushes := tap.snapshot()
	frames := normalise(raw)
	for i := range kinds {
		kinds[i].Calls = map[string]int{}
		for _, fn := range ss[i].fns {
			for _, f := range frames {
				if f.Function == fn && f.Kind == "GATEWAY_EXECUTOR_REQUEST" {
					kinds[i].Calls[fn]++
				}
			}
		}
	}
	conns := 0
	for _, f := range frames {
		conns = max(conns, f.Conn)
	}
	return &Recording{Kinds: kinds, Connections: conns, Flushes: flushes, Frames: frames}, nil
}

// kind drives one kind and collects its outcome.
func (d *driver) kind(ctx context.Context, s spec, key string) (Kind, error) {
	k := Kind{Name: s.name, AnyOutput: s.anyOutput}
	var ids []string
	for n := 1; n <= s.events; n++ {
		ev := def(s.name).New(Data{N: n, Key: key})
		if s.gap > 0 && n > 1 {
			time.Sleep(s.gap)
		}
		got, err := d.client.Send(ctx, ev)
		if err != nil {
			return k, fmt.Errorf("%s: send: %w", s.name, err)
		}
		ids = append(ids, got...)
	}
	dctx, stopDuring := context.WithCancel(ctx)
	duringDone := make(chan struct{})
	go func() {
		defer close(duringDone)
		if s.during != nil {
			s.during(dctx, d, key)
		}
	}()
	runs, err := d.wait(ctx, ids, s.runs, s.status)
	stopDuring()
	<-duringDone
	if err != nil {
		return k, fmt.Errorf("%s: %w", s.name, err)
	}
	if s.settle > 0 {
		time.Sleep(s.settle)
		if runs, err = d.wait(ctx, ids, s.runs, s.status); err != nil {
			return k, fmt.Errorf("%s: after settling: %w", s.name, err)
		}
	}
	k.Runs = runs
	k.Steps = map[string]int{}
	for _, fn := range s.fns {
		for st, n := range d.fx.stepsOf(fn) {
			k.Steps[fn+"/"+st] = n
		}
	}
	if s.notes != nil {
		k.Notes = s.notes(d)
	}
	return k, nil
}

// apiRun is a run as GET /v1/events/{id}/runs lists it.
type apiRun struct {
	RunID  string          `json:"run_id"`
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
}

// wait polls the run API until the events have started want runs, every one
// ended with status (and, for Completed, has its output), or the bound passes.
func (d *driver) wait(ctx context.Context, ids []string, want int, status string) ([]RunResult, error) {
	deadline := time.Now().Add(d.cfg.Bound)
	var last []apiRun
	for time.Now().Before(deadline) {
		runs, err := d.runs(ctx, ids)
		if err != nil {
			return nil, err
		}
		last = runs
		ok := len(runs) == want
		for _, r := range runs {
			if r.Status != status || (status == "Completed" && (len(r.Output) == 0 || string(r.Output) == "null")) {
				ok = false
			}
		}
		if ok {
			out := make([]RunResult, len(runs))
			for i, r := range runs {
				out[i] = RunResult{Status: r.Status, Output: r.Output}
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	var seen []string
	for _, r := range last {
		seen = append(seen, r.Status+" "+string(r.Output))
	}
	return nil, fmt.Errorf("want %d runs %s, have %v", want, status, seen)
}

// runs lists the runs of the events, once each, sorted by output.
func (d *driver) runs(ctx context.Context, ids []string) ([]apiRun, error) {
	seen := map[string]bool{}
	var out []apiRun
	for _, id := range ids {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/events/%s/runs?nc=%d", d.cfg.Origin, id, time.Now().UnixNano()), nil)
		if err != nil {
			return nil, err
		}
		res, err := d.http.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		var body struct {
			Data []apiRun `json:"data"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, fmt.Errorf("run API: %s: %w", b, err)
		}
		for _, r := range body.Data {
			if !seen[r.RunID] {
				seen[r.RunID] = true
				out = append(out, r)
			}
		}
	}
	// Runs started together start in any order: sort by output.
	sort.SliceStable(out, func(i, j int) bool { return string(out[i].Output) < string(out[j].Output) })
	return out, nil
}

// httpClient reads the run API.
func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
