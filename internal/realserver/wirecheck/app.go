package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Exchange is one request the server (or the SDK, for an outbound request)
// made and the answer it got.
type Exchange struct {
	// AtMS is when the request arrived, in milliseconds from the case's start.
	AtMS int64 `json:"at_ms"`
	// Method, Path and Query are the request's.
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  map[string][]string `json:"query,omitempty"`
	// Header holds the request's headers (Date-like values as sent).
	Header map[string]string `json:"header,omitempty"`
	// Body is the request body, when it is JSON and the case keeps it.
	Body json.RawMessage `json:"body,omitempty"`
	// Function, RunID, Attempt and StepKeys are read from a call's body:
	// the fnId query, ctx.run_id, ctx.attempt and the memoized steps' ids.
	Function string   `json:"function,omitempty"`
	RunID    string   `json:"run_id,omitempty"`
	Attempt  int      `json:"attempt"`
	StepKeys []string `json:"step_keys,omitempty"`
	// Status is the answer's status; 0 when the proxy cut the call.
	Status int `json:"status"`
	// RespHeader holds the answer's X-Inngest-* and Retry-After headers.
	RespHeader map[string]string `json:"resp_header,omitempty"`
	// RespBody is the answer's body when it is JSON.
	RespBody json.RawMessage `json:"resp_body,omitempty"`
}

// app serves an SDK handler at http://<addr>/api/inngest, logs every request
// the server makes to it, and cuts a call when a step body asks for it.
type app struct {
	h        http.Handler
	start    time.Time
	keepBody bool
	srv      *http.Server
	addr     string

	mu   sync.Mutex
	log  []Exchange
	cuts map[string]chan chan struct{} // run id → a step body's cut request
}

func serveApp(addr string, h http.Handler, keepBody bool) (*app, error) {
	a := &app{h: h, start: time.Now(), keepBody: keepBody, cuts: map[string]chan chan struct{}{}}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	a.srv, a.addr = &http.Server{Handler: a}, l.Addr().String()
	go func() { _ = a.srv.Serve(l) }()
	return a, nil
}

func (a *app) close() { _ = a.srv.Close() }

func (a *app) url() string { return "http://" + a.addr + "/api/inngest" }

func (a *app) cutCh(runID string) chan chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.cuts[runID]
	if !ok {
		c = make(chan chan struct{})
		a.cuts[runID] = c
	}
	return c
}

// cut closes the server's connection of runID's call in flight and cancels
// the SDK's request context, as a proxy timing out does; it returns once both
// happened. A step body of that call calls it.
func (a *app) cut(runID string) {
	done := make(chan struct{})
	a.cutCh(runID) <- done
	<-done
}

func (a *app) exchanges() []Exchange {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Exchange(nil), a.log...)
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ex := Exchange{AtMS: time.Since(a.start).Milliseconds(), Method: r.Method, Path: r.URL.Path, Header: flat(r.Header)}
	if len(r.URL.Query()) > 0 {
		ex.Query = r.URL.Query()
	}
	if a.keepBody && json.Valid(body) {
		ex.Body = body
	}
	var call struct {
		Ctx struct {
			RunID   string `json:"run_id"`
			Attempt int    `json:"attempt"`
		} `json:"ctx"`
		Steps map[string]json.RawMessage `json:"steps"`
	}
	if r.Method == http.MethodPost && jsoncodec.Unmarshal(body, &call) == nil {
		ex.Function, ex.RunID, ex.Attempt = r.URL.Query().Get("fnId"), call.Ctx.RunID, call.Ctx.Attempt
		for k := range call.Steps {
			ex.StepKeys = append(ex.StepKeys, k)
		}
		sort.Strings(ex.StepKeys)
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	req := r.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { a.h.ServeHTTP(rec, req); close(done) }()
	var cutDone chan struct{}
	var cutc chan chan struct{}
	if ex.RunID != "" {
		cutc = a.cutCh(ex.RunID)
	}
	select {
	case <-done:
	case cutDone = <-cutc:
		cancel()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
		close(cutDone)
		<-done
	}
	if cutDone == nil {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		ex.Status = rec.Code
		ex.RespHeader = map[string]string{}
		for k := range rec.Header() {
			if strings.HasPrefix(k, "X-Inngest-") || k == "Retry-After" {
				ex.RespHeader[k] = rec.Header().Get(k)
			}
		}
		if b := rec.Body.Bytes(); json.Valid(b) {
			ex.RespBody = b
		}
	}
	a.mu.Lock()
	a.log = append(a.log, ex)
	a.mu.Unlock()
}

func flat(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		m[k] = strings.Join(v, ", ")
	}
	return m
}

// outbound logs the SDK's own requests to the server (checkpoints, syncs).
type outbound struct {
	start time.Time
	mu    sync.Mutex
	log   []Exchange
}

func (o *outbound) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	ex := Exchange{AtMS: time.Since(o.start).Milliseconds(), Method: r.Method, Path: r.URL.Path, Header: flat(r.Header)}
	if (strings.Contains(r.URL.Path, "checkpoint") || strings.Contains(r.URL.Path, "register")) && json.Valid(body) {
		ex.Body = body
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		ex.Status = resp.StatusCode
	}
	o.mu.Lock()
	o.log = append(o.log, ex)
	o.mu.Unlock()
	return resp, err
}

func (o *outbound) exchanges() []Exchange {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Exchange(nil), o.log...)
}

// Run is what the run API said about a run once it ended.
type Run struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
}

// waitRun polls GET /v1/runs/{id} until the run ends (Completed, Failed or
// Cancelled, with its output written) or timeout passes.
func waitRun(server, key, runID string, timeout time.Duration) (Run, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/runs/%s?nc=%d", server, runID, time.Now().UnixNano()), nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return Run{}, err
		}
		var got struct {
			Data struct {
				Status  string          `json:"status"`
				Output  json.RawMessage `json:"output"`
				EndedAt *string         `json:"ended_at"`
			} `json:"data"`
		}
		_ = jsoncodec.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		switch got.Data.Status {
		case "Completed", "Failed", "Cancelled":
			if got.Data.EndedAt != nil {
				return Run{Status: got.Data.Status, Output: got.Data.Output}, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return Run{}, fmt.Errorf("run %s did not end in %s", runID, timeout)
}

// runOf waits until the app was called for fnID and returns that run's id.
func runOf(a *app, fnID string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, ex := range a.exchanges() {
			if ex.Function == fnID && ex.RunID != "" {
				return ex.RunID, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("the server never called %s", fnID)
}

// callsOf returns the POST calls the app got for runID.
func callsOf(a *app, runID string) []Exchange {
	var out []Exchange
	for _, ex := range a.exchanges() {
		if ex.RunID == runID {
			ex.Header = nil // volatile ids and signatures; the signed case keeps its own
			out = append(out, ex)
		}
	}
	return out
}

func write(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func bytesContains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
