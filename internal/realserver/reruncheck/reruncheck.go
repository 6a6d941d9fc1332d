// Package reruncheck reruns runs through the REST API v2
// (POST /v2/runs/{id}/rerun), whole and from a step, and sends the
// endpoint's bad requests, against an Inngest server: the real dev server,
// by hand, to record testdata/realserver/rerun.json, or the embedded engine
// in CI, to compare with that recording. It summarises what happened in a
// form that does not depend on ids or timing: each answer's status and
// error, how the typed client (inngest/api) classified it, and, for a new
// run, the calls the server made for it (which step was targeted, the stack
// and the memoized steps by step name) and how it ended.
package reruncheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngest/api"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Recording is the file's content.
type Recording struct {
	About  string `json:"about"`
	Server string `json:"server"`
	Cases  []Case `json:"cases"`
}

// Case is one rerun request and what came of it.
type Case struct {
	Name string `json:"name"`
	// Method and Path are the request's, the run id replaced by {run}
	// (Path keeps a malformed id as sent); Body is the request body ("" for none).
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body,omitempty"`
	// Status is the answer's status; Code and Message the first entry of
	// its {"errors": [...]} (Message is left out for the "api_error"
	// answers the server's JSON decoder words); Keys the answer's
	// top-level and data keys ("data.runId", "metadata.fetchedAt", ...).
	Status  int      `json:"status"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
	Keys    []string `json:"keys,omitempty"`
	// ClientError is how inngest/api's Rerun classified the answer: the
	// sentinels errors.Is matches and "APIError <status> <code>" from
	// errors.As; "" when it succeeded. Empty for requests the typed client
	// cannot send (a malformed body).
	ClientError string `json:"client_error,omitempty"`
	// Run is the new run, for an answer that started one.
	Run *NewRun `json:"run,omitempty"`
}

// NewRun is a run started by a rerun.
type NewRun struct {
	// Status and Output are what GET /v1/runs/{id} shows once it ended.
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
	// SameEvent reports whether the run API names the original run's
	// triggering event as the new run's.
	SameEvent bool `json:"same_event"`
	// Executions counts the step bodies that ran in the new run.
	Executions map[string]int `json:"executions"`
	// Calls are the server's calls to the app for the new run, in order.
	Calls []Call `json:"calls"`
}

// Call is one call of the server to the app.
type Call struct {
	// Step is the stepId query by step name ("step": a discovery call).
	Step string `json:"step"`
	// Stack is ctx.stack.stack by step name; Current ctx.stack.current.
	Stack   []string `json:"stack"`
	Current int      `json:"current"`
	// Steps is the memoized steps the call carried, by step name.
	Steps map[string]json.RawMessage `json:"steps"`
	// Ops are the answer's ops ("Op name"), Status its status.
	Ops    []string `json:"ops"`
	Status int      `json:"status"`
}

var (
	stepsEvent = events.Define[input]("rs/rerun.steps")
	failsEvent = events.Define[input]("rs/rerun.fails")
	twiceEvent = events.Define[input]("rs/rerun.twice")
	slowEvent  = events.Define[input]("rs/rerun.slow")
)

type input struct {
	N int `json:"n"`
}

// names maps the hashed step ids of the scenario's steps to their names.
var names = func() map[string]string {
	m := map[string]string{wire.DiscoveryStepID: "step"}
	for _, n := range []string{"a", "b", "c", "x", "nap"} {
		m[wire.HashID(n, 0)] = n
	}
	m[wire.HashID("x", 1)] = "x:1"
	return m
}()

func nameOf(id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// app serves the scenario's functions and logs the server's calls.
type app struct {
	h http.Handler

	mu    sync.Mutex
	calls map[string][]Call         // run id → calls
	execs map[string]map[string]int // run id → step → executions
	fails int                       // how often step "b" of "fails" failed
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Ctx struct {
			RunID string `json:"run_id"`
			Stack struct {
				Stack   []string `json:"stack"`
				Current int      `json:"current"`
			} `json:"stack"`
		} `json:"ctx"`
		Steps map[string]json.RawMessage `json:"steps"`
	}
	if r.Method != http.MethodPost || json.Unmarshal(body, &req) != nil || req.Ctx.RunID == "" {
		a.h.ServeHTTP(w, r)
		return
	}
	cw := &captureWriter{ResponseWriter: w}
	a.h.ServeHTTP(cw, r)
	c := Call{Step: nameOf(r.URL.Query().Get("stepId")), Current: req.Ctx.Stack.Current, Steps: map[string]json.RawMessage{}, Status: cw.status, Stack: []string{}}
	for _, h := range req.Ctx.Stack.Stack {
		c.Stack = append(c.Stack, nameOf(h))
	}
	for k, v := range req.Steps {
		c.Steps[nameOf(k)] = compact(v)
	}
	var ops []struct {
		Op   string `json:"op"`
		Name string `json:"name"`
	}
	_ = json.Unmarshal(cw.body.Bytes(), &ops)
	for _, o := range ops {
		c.Ops = append(c.Ops, strings.TrimSpace(o.Op+" "+o.Name))
	}
	a.mu.Lock()
	a.calls[req.Ctx.RunID] = append(a.calls[req.Ctx.RunID], c)
	a.mu.Unlock()
}

func (a *app) count(runID, id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.execs[runID] == nil {
		a.execs[runID] = map[string]int{}
	}
	a.execs[runID][id]++
	return a.execs[runID][id]
}

func (a *app) callsOf(runID string) ([]Call, map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ex := map[string]int{}
	for k, v := range a.execs[runID] {
		ex[k] = v
	}
	return append([]Call(nil), a.calls[runID]...), ex
}

func (a *app) functions(c *inngest.Client) ([]inngest.ServableFunction, error) {
	var fns []inngest.ServableFunction
	add := func(f inngest.ServableFunction, err error) error {
		if err != nil {
			return err
		}
		fns = append(fns, f)
		return nil
	}
	threeSteps := func(ctx context.Context, in inngest.Input[input]) (map[string]int, error) {
		x, err := step.Run(ctx, "a", func(ctx context.Context) (int, error) { a.count(in.RunID, "a"); return in.Event.Data.N + 1, nil })
		if err != nil {
			return nil, err
		}
		y, err := step.Run(ctx, "b", func(ctx context.Context) (int, error) { a.count(in.RunID, "b"); return x * 10, nil })
		if err != nil {
			return nil, err
		}
		z, err := step.Run(ctx, "c", func(ctx context.Context) (int, error) { a.count(in.RunID, "c"); return y + 1, nil })
		return map[string]int{"a": x, "b": y, "c": z}, err
	}
	if err := add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent(stepsEvent), threeSteps)); err != nil {
		return nil, err
	}
	// "fails": step b fails for good the first time it runs, then succeeds.
	if err := add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "fails"}, inngest.OnEvent(failsEvent),
		func(ctx context.Context, in inngest.Input[input]) (map[string]int, error) {
			x, err := step.Run(ctx, "a", func(ctx context.Context) (int, error) { a.count(in.RunID, "a"); return in.Event.Data.N + 1, nil })
			if err != nil {
				return nil, err
			}
			y, err := step.Run(ctx, "b", func(ctx context.Context) (int, error) {
				a.count(in.RunID, "b")
				a.mu.Lock()
				first := a.fails == 0
				a.fails++
				a.mu.Unlock()
				if first {
					return 0, inngest.NoRetry(errors.New("payment provider down"))
				}
				return x * 10, nil
			})
			return map[string]int{"a": x, "b": y}, err
		})); err != nil {
		return nil, err
	}
	// "twice": the step id "x" used twice.
	if err := add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "twice"}, inngest.OnEvent(twiceEvent),
		func(ctx context.Context, in inngest.Input[input]) (int, error) {
			sum := 0
			for i := range 2 {
				v, err := step.Run(ctx, "x", func(ctx context.Context) (int, error) { a.count(in.RunID, "x"); return i + 1, nil })
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})); err != nil {
		return nil, err
	}
	// "slow": a step, then a sleep long enough to rerun it while it runs.
	if err := add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent(slowEvent),
		func(ctx context.Context, in inngest.Input[input]) (int, error) {
			x, err := step.Run(ctx, "a", func(ctx context.Context) (int, error) { a.count(in.RunID, "a"); return in.Event.Data.N + 1, nil })
			if err != nil {
				return 0, err
			}
			if err := step.Sleep(ctx, "nap", 3*time.Second); err != nil {
				return 0, err
			}
			return x, nil
		})); err != nil {
		return nil, err
	}
	return fns, nil
}

// exchange is the last answer of the REST API the client got.
type exchange struct {
	mu     sync.Mutex
	body   []byte
	status int
}

func (x *exchange) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/rerun") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	x.mu.Lock()
	x.body, x.status = b, resp.StatusCode
	x.mu.Unlock()
	return resp, nil
}

// unknownRun is a valid ULID no server holds.
const unknownRun = "01KZZZZZZZZZZZZZZZZZZZZZZZ"

// Run runs the cases against the server at serverURL (dev mode) with the
// app listening on appAddr (port 0 picks one), which the server must reach.
func Run(ctx context.Context, serverURL, appAddr string) ([]Case, error) {
	ex := &exchange{}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "reruncheck", Mode: inngest.ModeDev, DevServerURL: serverURL,
		APIBaseURL: serverURL, EventAPIBaseURL: serverURL, HTTPClient: &http.Client{Transport: ex, Timeout: 30 * time.Second}})
	if err != nil {
		return nil, err
	}
	a := &app{calls: map[string][]Call{}, execs: map[string]map[string]int{}}
	fns, err := a.functions(c)
	if err != nil {
		return nil, err
	}
	h, err := serve.New(c, serve.Options{}, fns...)
	if err != nil {
		return nil, err
	}
	a.h = h
	ln, err := net.Listen("tcp", appAddr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	if err := h.Register(ctx, "http://"+ln.Addr().String()+"/api/inngest"); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	d := &driver{ctx: ctx, server: serverURL, c: c, mc: api.New(c), ex: ex, app: a}
	return d.cases()
}

type driver struct {
	ctx    context.Context
	server string
	c      *inngest.Client
	mc     *api.Client
	ex     *exchange
	app    *app
}

// start sends ev and waits for its run to end (or, when !end, to call the
// app once).
func (d *driver) start(ev events.Sendable, end bool) (string, error) {
	ids, err := d.c.Send(d.ctx, ev)
	if err != nil {
		return "", err
	}
	var runID string
	deadline := time.Now().Add(30 * time.Second)
	for runID == "" {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("event %s started no run", ids[0])
		}
		var rs []api.Run
		if d.get("/v1/events/"+ids[0]+"/runs", &rs) == nil && len(rs) > 0 {
			runID = rs[0].ID
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !end {
		for {
			if calls, _ := d.app.callsOf(runID); len(calls) > 0 {
				return runID, nil
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("run %s never called the app", runID)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, err := d.wait(runID); err != nil {
		return "", err
	}
	// The server rebuilds a rerun's memoized steps from the original run's
	// trace, which it writes a moment after the run ends.
	time.Sleep(time.Second)
	return runID, nil
}

// get reads the run API's data at path, with a junk query that defeats
// its cache.
func (d *driver) get(path string, out any) error {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, fmt.Sprintf("%s%s?nc=%d", d.server, path, time.Now().UnixNano()), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(&struct {
		Data any `json:"data"`
	}{Data: out})
}

func (d *driver) wait(runID string) (api.Run, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r api.Run
		err := d.get("/v1/runs/"+runID, &r)
		// The run API can say Completed a moment before it has the output.
		if err == nil && r.Done() && r.EndedAt != nil && len(r.Output) > 0 {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("run %s did not end (%+v, %v)", runID, r, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rerun reruns runID with the typed client and records the answer.
func (d *driver) rerun(name, runID string, opts api.RerunOptions) (Case, error) {
	path := "/v2/runs/" + runID + "/rerun"
	newID, err := d.mc.Rerun(d.ctx, runID, opts)
	d.ex.mu.Lock()
	body, status := d.ex.body, d.ex.status
	d.ex.mu.Unlock()
	reqBody, _ := json.Marshal(rerunBody(opts))
	cs := Case{Name: name, Method: http.MethodPost, Path: strings.Replace(path, runID, "{run}", 1), Body: string(reqBody), ClientError: classify(err)}
	if runID == unknownRun {
		cs.Path = path
	}
	answer(&cs, status, body)
	if err != nil {
		return cs, nil
	}
	r, err := d.newRun(runID, newID)
	cs.Run = r
	return cs, err
}

func rerunBody(opts api.RerunOptions) any {
	if opts.FromStep == "" && opts.Input == nil {
		return struct{}{}
	}
	fs := map[string]any{"stepId": opts.FromStep}
	if opts.Input != nil {
		fs["input"] = opts.Input
	}
	return map[string]any{"fromStep": fs}
}

// raw sends a request the typed client cannot and records the answer.
func (d *driver) raw(name, method, runID, body string) (Case, error) {
	path := "/v2/runs/" + runID + "/rerun"
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(d.ctx, method, d.server+path, rd)
	if err != nil {
		return Case{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Case{}, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cs := Case{Name: name, Method: method, Path: path, Body: body}
	if len(runID) == 26 && runID != unknownRun {
		cs.Path = strings.Replace(path, runID, "{run}", 1)
	}
	answer(&cs, resp.StatusCode, b)
	var v struct {
		Data struct {
			RunID string `json:"runId"`
		} `json:"data"`
	}
	if resp.StatusCode == http.StatusOK && json.Unmarshal(b, &v) == nil && v.Data.RunID != "" {
		cs.Run, err = d.newRun(runID, v.Data.RunID)
	}
	return cs, err
}

var ulidRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// answer fills the answer's status, error and keys.
func answer(cs *Case, status int, body []byte) {
	cs.Status = status
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil {
		cs.Message = strings.TrimSpace(string(body))
		return
	}
	for k, raw := range v {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil && len(inner) > 0 {
			for ik, iv := range inner {
				key := k + "." + ik
				var s string
				if k == "data" && ik == "runId" && (json.Unmarshal(iv, &s) != nil || !ulidRE.MatchString(strings.ToUpper(s))) {
					key += "(not a ULID)"
				}
				cs.Keys = append(cs.Keys, key)
			}
			continue
		}
		cs.Keys = append(cs.Keys, k)
	}
	sort.Strings(cs.Keys)
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		cs.Code = e.Errors[0].Code
		if cs.Code != "api_error" || status == http.StatusNotImplemented {
			cs.Message = e.Errors[0].Message
		}
	}
}

// classify names the sentinels err matches and its APIError.
func classify(err error) string {
	if err == nil {
		return ""
	}
	var out []string
	for _, s := range []struct {
		name string
		err  error
	}{
		{"ErrNotFound", inngest.ErrNotFound}, {"ErrUnauthorized", inngest.ErrUnauthorized},
		{"ErrRerunStepNotFound", api.ErrRerunStepNotFound}, {"ErrRerunStepAmbiguous", api.ErrRerunStepAmbiguous},
		{"ErrRerunNotSupported", api.ErrRerunNotSupported},
	} {
		if errors.Is(err, s.err) {
			out = append(out, s.name)
		}
	}
	var ae *inngest.APIError
	if errors.As(err, &ae) {
		out = append(out, fmt.Sprintf("APIError %d %s", ae.Status, ae.Code))
	} else {
		out = append(out, "other: "+err.Error())
	}
	return strings.Join(out, ", ")
}

// newRun waits for the rerun's run and summarises it.
func (d *driver) newRun(oldID, newID string) (*NewRun, error) {
	r, err := d.wait(newID)
	if err != nil {
		return nil, err
	}
	var old api.Run
	if err := d.get("/v1/runs/"+oldID, &old); err != nil {
		return nil, err
	}
	// Calls are logged after the app answers: let the last one land.
	time.Sleep(200 * time.Millisecond)
	calls, execs := d.app.callsOf(newID)
	return &NewRun{Status: string(r.Status), Output: compact(r.Output), SameEvent: r.EventID == old.EventID, Executions: execs, Calls: calls}, nil
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// cases runs every case in order.
func (d *driver) cases() ([]Case, error) {
	var out []Case
	add := func(c Case, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, c)
		return nil
	}
	steps, err := d.start(stepsEvent.New(input{N: 1}), true)
	if err != nil {
		return nil, err
	}
	fails, err := d.start(failsEvent.New(input{N: 2}), true)
	if err != nil {
		return nil, err
	}
	twice, err := d.start(twiceEvent.New(input{N: 3}), true)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		run  string
		opts api.RerunOptions
	}{
		{"whole", steps, api.RerunOptions{}},
		{"from-step", steps, api.RerunOptions{FromStep: "b"}},
		{"from-first-step", steps, api.RerunOptions{FromStep: "a"}},
		{"from-last-step-by-hash", steps, api.RerunOptions{FromStep: wire.HashID("c", 0)}},
		{"from-step-input", steps, api.RerunOptions{FromStep: "b", Input: []any{map[string]any{"x": 1}}}},
		{"from-failed-step", fails, api.RerunOptions{FromStep: "b"}},
		{"repeated-step-by-hash", twice, api.RerunOptions{FromStep: wire.HashID("x", 1)}},
		{"unknown-run", unknownRun, api.RerunOptions{}},
		{"unknown-step", steps, api.RerunOptions{FromStep: "nope"}},
		{"ambiguous-step", twice, api.RerunOptions{FromStep: "x"}},
		{"input-without-step", steps, api.RerunOptions{Input: []any{1}}},
	} {
		if err := add(d.rerun(c.name, c.run, c.opts)); err != nil {
			return out, err
		}
	}
	for _, c := range []struct{ name, method, run, body string }{
		{"bad-run-id", http.MethodPost, "not-a-ulid", ""},
		{"no-run-id", http.MethodPost, "", ""},
		{"snake-case-body", http.MethodPost, steps, `{"from_step":{"step_id":"b"}}`},
		{"input-not-array", http.MethodPost, steps, `{"fromStep":{"stepId":"b","input":{"x":1}}}`},
		{"unknown-field", http.MethodPost, steps, `{"step":"b"}`},
		{"malformed-json", http.MethodPost, steps, `{"fromStep":`},
		{"array-body", http.MethodPost, steps, `[]`},
		{"get", http.MethodGet, steps, ""},
	} {
		if err := add(d.raw(c.name, c.method, c.run, c.body)); err != nil {
			return out, err
		}
	}
	// A run that is still running can be rerun.
	slow, err := d.start(slowEvent.New(input{N: 4}), false)
	if err != nil {
		return out, err
	}
	if err := add(d.rerun("running", slow, api.RerunOptions{})); err != nil {
		return out, err
	}
	return out, nil
}

// captureWriter keeps the status and body of an answer it passes on.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
