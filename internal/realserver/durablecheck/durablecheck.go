// Package durablecheck runs durable endpoint scenarios (package durable)
// against an Inngest server — the real dev server, by hand, to record
// testdata/realserver/durable-endpoints.json, or the embedded engine in CI,
// to compare with that recording — and summarises what happened in a form
// that does not depend on ids or timing.
package durablecheck

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

	"github.com/seed-b02f2472/inngest-go/durable"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Recording is the file's content.
type Recording struct {
	About     string   `json:"about"`
	Server    string   `json:"server"`
	Scenarios []Result `json:"scenarios"`
}

// Result is one scenario's outcome.
type Result struct {
	Name string `json:"name"`
	// Client is the first request's answer: status, and whether it redirected
	// to the run's output URL.
	ClientStatus   int  `json:"client_status"`
	ClientRedirect bool `json:"client_redirect"`
	// Executions counts each step body's runs.
	Executions map[string]int `json:"executions"`
	// Exchanges are the SDK's checkpoint requests and the server's calls back,
	// in order.
	Exchanges []Exchange `json:"exchanges"`
	// Run is the run as GET /v1/runs/{id} shows it at the end.
	RunStatus string          `json:"run_status"`
	RunOutput json.RawMessage `json:"run_output"`
	// Output is what the client's redirect target answered.
	OutputStatus int    `json:"output_status,omitempty"`
	OutputBody   string `json:"output_body,omitempty"`
}

// Exchange is one request: "checkpoint" (SDK → server) or "resume"
// (server → endpoint).
type Exchange struct {
	Kind   string `json:"kind"`
	Method string `json:"method"`
	// Path has the run id replaced by {run}; Query is the raw query.
	Path  string `json:"path"`
	Query string `json:"query,omitempty"`
	// Headers lists the Inngest headers the request carried (names only,
	// canonical, sorted).
	Headers []string `json:"headers,omitempty"`
	// Body is a resume call's body.
	Body string `json:"body,omitempty"`
	// Ops are the request's ops (checkpoint) or the answer's (resume), as
	// "Op name".
	Ops    []string `json:"ops"`
	Status int      `json:"status"`
}

var ulidRE = regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`)

// recorder is the client's transport: it records checkpoint requests.
type recorder struct {
	mu  sync.Mutex
	out *[]Exchange
}

func opsOf(body []byte) []string {
	var v struct {
		Steps []struct {
			Op   string `json:"op"`
			Name string `json:"name"`
		} `json:"steps"`
	}
	_ = json.Unmarshal(body, &v)
	var out []string
	for _, s := range v.Steps {
		out = append(out, strings.TrimSpace(s.Op+" "+s.Name))
	}
	return out
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if strings.HasPrefix(req.URL.Path, "/v1/checkpoint") {
		ex := Exchange{Kind: "checkpoint", Method: req.Method, Path: ulidRE.ReplaceAllString(req.URL.Path, "{run}"), Ops: opsOf(body)}
		if resp != nil {
			ex.Status = resp.StatusCode
		}
		r.mu.Lock()
		*r.out = append(*r.out, ex)
		r.mu.Unlock()
	}
	return resp, err
}

// scenario is one handler and the request sent to it.
type scenario struct {
	name string
	// handler gets a counter of step executions.
	handler func(count func(id string) int) http.HandlerFunc
}

// orderHandler: step "add" (n+1), then "double"; fail is called inside
// double with its execution count; boom between the steps with add's count.
func orderHandler(count func(string) int, boom func() bool, fail func(int) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct{ N int }
		_ = json.NewDecoder(r.Body).Decode(&in)
		n, err := step.Run(r.Context(), "add", func(context.Context) (int, error) { count("add"); return in.N + 1, nil })
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if boom != nil && boom() {
			panic("boom between steps")
		}
		m, err := step.Run(r.Context(), "double", func(context.Context) (int, error) {
			c := count("double")
			if fail != nil {
				if err := fail(c); err != nil {
					return 0, err
				}
			}
			return n * 2, nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]int{"total": m})
	}
}

// sleepHandler: step "add", a one-second step.Sleep, then "double".
func sleepHandler(count func(string) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, _ := step.Run(r.Context(), "add", func(context.Context) (int, error) { count("add"); return 3, nil })
		if err := step.Sleep(r.Context(), "nap", time.Second); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m, _ := step.Run(r.Context(), "double", func(context.Context) (int, error) { count("double"); return n * 2, nil })
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"total": m})
	}
}

var scenarios = []scenario{
	{name: "sleep", handler: sleepHandler},
	{name: "inline", handler: func(count func(string) int) http.HandlerFunc { return orderHandler(count, nil, nil) }},
	{name: "panic-midway", handler: func(count func(string) int) http.HandlerFunc {
		var mu sync.Mutex
		done := false
		return orderHandler(count, func() bool {
			mu.Lock()
			defer mu.Unlock()
			first := !done
			done = true
			return first
		}, nil)
	}},
	{name: "step-error", handler: func(count func(string) int) http.HandlerFunc {
		return orderHandler(count, nil, func(c int) error {
			if c == 1 {
				return errors.New("payment provider down")
			}
			return nil
		})
	}},
}

// Run runs every scenario against the server at serverURL with the
// endpoint listening on appAddr (port 0 picks one), which the server must
// reach.
func Run(ctx context.Context, serverURL, appAddr string) ([]Result, error) {
	return RunSigned(ctx, serverURL, appAddr, "")
}

// RunSigned is Run with the client in cloud mode with signingKey (a server
// started with that key must sign its calls back); "" is dev mode.
func RunSigned(ctx context.Context, serverURL, appAddr, signingKey string) ([]Result, error) {
	var out []Result
	for _, sc := range scenarios {
		res, err := runOne(ctx, serverURL, appAddr, signingKey, sc)
		if err != nil {
			return out, fmt.Errorf("%s: %w", sc.name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func runOne(ctx context.Context, serverURL, appAddr, signingKey string, sc scenario) (Result, error) {
	res := Result{Name: sc.name, Executions: map[string]int{}}
	var mu sync.Mutex
	rec := &recorder{out: &res.Exchanges}
	count := func(id string) int {
		mu.Lock()
		defer mu.Unlock()
		res.Executions[id]++
		return res.Executions[id]
	}
	mode := inngest.ModeDev
	if signingKey != "" {
		mode = inngest.ModeCloud
	}
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "durablecheck", Mode: mode, DevServerURL: serverURL, SigningKey: signingKey,
		EventKey: "test", APIBaseURL: serverURL, EventAPIBaseURL: serverURL, HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}})
	if err != nil {
		return res, err
	}
	h := durable.Handler(client, durable.Options{}, sc.handler(count))
	ln, err := net.Listen("tcp", appAddr)
	if err != nil {
		return res, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Run-Id") == "" {
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &captureWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		var names []string
		for k := range r.Header {
			if strings.HasPrefix(k, "X-Inngest") || strings.HasPrefix(k, "X-Run") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		var ops []struct {
			Op   string `json:"op"`
			Name string `json:"name"`
		}
		_ = json.Unmarshal(cw.body.Bytes(), &ops)
		ex := Exchange{Kind: "resume", Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: names, Body: string(body), Status: cw.status}
		for _, o := range ops {
			ex.Ops = append(ex.Ops, strings.TrimSpace(o.Op+" "+o.Name))
		}
		rec.mu.Lock()
		res.Exchanges = append(res.Exchanges, ex)
		rec.mu.Unlock()
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()

	noRedirect := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Post("http://"+ln.Addr().String()+"/orders?src=check", "application/json", strings.NewReader(`{"n":2}`))
	if err != nil {
		return res, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res.ClientStatus = resp.StatusCode
	runID := resp.Header.Get("X-Run-Id")
	loc := resp.Header.Get("Location")
	res.ClientRedirect = strings.Contains(loc, "/v1/checkpoint/"+runID+"/output?token=")

	deadline := time.Now().Add(60 * time.Second)
	for {
		st, out, err := runState(ctx, serverURL, runID, signingKey)
		if err == nil && (st == "Completed" || st == "Failed" || st == "Cancelled") {
			res.RunStatus, res.RunOutput = st, out
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("run %s did not end (status %q, err %v)", runID, st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res.ClientRedirect {
		o, err := http.Get(loc)
		if err != nil {
			return res, err
		}
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		res.OutputStatus, res.OutputBody = o.StatusCode, strings.TrimSpace(string(b))
	}
	return res, nil
}

func runState(ctx context.Context, serverURL, runID, signingKey string) (string, json.RawMessage, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/runs/%s?nc=%d", serverURL, runID, time.Now().UnixNano()), nil)
	if signingKey != "" {
		req.Header.Set("Authorization", "Bearer "+signingKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	var v struct {
		Data struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", nil, err
	}
	return v.Data.Status, v.Data.Output, nil
}

type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = 200
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
