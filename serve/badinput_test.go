package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// requireJSONError checks an error response: status, SDK headers, No-Retry and a
// JSON body with a message.
func requireJSONError(t *testing.T, rec *httptest.ResponseRecorder, status int, noRetry string) {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, noRetry, rec.Header().Get("X-Inngest-No-Retry"))
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	require.NotEmpty(t, e.Message)
}

func TestBadCallRequests(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	cf := newCountingFn(t, c)
	h := serve.Handler(c, cf.fn)
	good := string(call{}.body())
	for _, tc := range []struct {
		name, target, body string
		status             int
		noRetry            string
	}{
		{"malformed JSON", "/api/inngest?fnId=wirecap-counted&stepId=step", `{"ctx":`, 400, "false"},
		{"not an object", "/api/inngest?fnId=wirecap-counted&stepId=step", `[1,2,3]`, 400, "false"},
		{"empty body", "/api/inngest?fnId=wirecap-counted&stepId=step", ``, 400, "false"},
		{"no event", "/api/inngest?fnId=wirecap-counted&stepId=step", `{"ctx":{"run_id":"r"},"steps":{}}`, 400, "false"},
		{"steps is an array", "/api/inngest?fnId=wirecap-counted&stepId=step", strings.Replace(good, `"steps":{}`, `"steps":[]`, 1), 400, "false"},
		{"ctx of the wrong type", "/api/inngest?fnId=wirecap-counted&stepId=step", strings.Replace(good, `"attempt":0`, `"attempt":"zero"`, 1), 400, "false"},
		{"missing fnId", "/api/inngest?stepId=step", good, 400, "true"},
		{"unknown fnId", "/api/inngest?fnId=wirecap-nope&stepId=step", good, 404, "false"},
		{"method", "/api/inngest", good, 405, "true"},
	} {
		method := http.MethodPost
		if tc.name == "method" {
			method = http.MethodPatch
		}
		rec := do(h, method, tc.target, []byte(tc.body), nil)
		requireJSONError(t, rec, tc.status, tc.noRetry)
	}
	require.Zero(t, cf.runs.Load())
	// The bare slug is accepted as a convenience.
	rec := do(h, http.MethodPost, "/api/inngest?fnId=counted&stepId=step", []byte(good), nil)
	require.Equal(t, 206, rec.Code)
}

// countingReader counts the bytes read from it and serves n bytes of JSON-ish data.
type countingReader struct {
	n, read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	for i := range p[:k] {
		p[i] = ' '
	}
	r.read += k
	return int(k), nil
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	cf := newCountingFn(t, c)
	const limit = 4096
	h, err := serve.New(c, serve.Options{MaxBodyBytes: limit}, cf.fn)
	require.NoError(t, err)
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		// Declared too large: refused without reading a byte.
		body := &countingReader{n: 1 << 30}
		req := httptest.NewRequest(method, "/api/inngest?fnId=wirecap-counted&stepId=step", body)
		req.ContentLength = 1 << 30
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		requireJSONError(t, rec, http.StatusRequestEntityTooLarge, "true")
		require.Zero(t, body.read, "the body was read")

		// Chunked (no length): refused once the limit is passed, not read whole.
		body = &countingReader{n: 1 << 30}
		req = httptest.NewRequest(method, "/api/inngest?fnId=wirecap-counted&stepId=step", body)
		req.ContentLength = -1
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		requireJSONError(t, rec, http.StatusRequestEntityTooLarge, "true")
		require.LessOrEqual(t, body.read, int64(limit+64<<10), "read %d bytes", body.read)
	}
	// Over a real connection, with chunked transfer encoding.
	srv := httptest.NewServer(h)
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		chunk := []byte(strings.Repeat(" ", 1024))
		for i := 0; i < 64; i++ {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/inngest?fnId=wirecap-counted&stepId=step", pr)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_ = pr.Close()
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Equal(t, sdkHeader, resp.Header.Get("X-Inngest-SDK"))
	require.Zero(t, cf.runs.Load())
}

func TestWrongMemoShape(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "typed"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			return step.Run(ctx, "n", func(ctx context.Context) (int, error) { return 1, nil })
		}))
	hash := wire.HashID("n", 0)
	for _, memo := range []string{`"a string"`, `{"data":"not a number"}`, `[1]`, `{"error":"not an object"}`} {
		rec := post(h, "wirecap-typed", "", call{Steps: fmt.Sprintf(`{%q:%s}`, hash, memo)}.body())
		// A recorded value that cannot be decoded will never decode: a final failure.
		requireJSONError(t, rec, 400, "true")
	}
	// An input-only entry is not a result: the step runs.
	rec := post(h, "wirecap-typed", "", call{Steps: fmt.Sprintf(`{%q:{"input":[1]}}`, hash)}.body())
	require.Equal(t, 206, rec.Code, rec.Body.String())
	require.Equal(t, "StepRun", decodeOps(t, rec.Body.Bytes())[0].Op)
	// Unknown hashes are ignored.
	rec = post(h, "wirecap-typed", "", call{Steps: fmt.Sprintf(`{%q:{"data":1},"0000":{"data":2}}`, hash)}.body())
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Equal(t, "1", rec.Body.String())
}

func TestPanics(t *testing.T) {
	t.Parallel()
	c, logs := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c,
		mustFn(t, c, inngest.FunctionOpts{ID: "panics"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) { panic("user bug") }),
		mustFn(t, c, inngest.FunctionOpts{ID: "step-panics"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				return step.Run(ctx, "bad", func(ctx context.Context) (string, error) {
					panic(errors.New("boom in step"))
				})
			}),
		mustFn(t, c, inngest.FunctionOpts{ID: "panics-after-step"}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				if _, err := step.Run(ctx, "ok", func(ctx context.Context) (string, error) { return "ok", nil }); err != nil {
					return "", err
				}
				panic(errors.New("after the step"))
			}),
	)
	for i := 0; i < 3; i++ { // the process stays up and keeps answering
		rec := post(h, "wirecap-panics", "", call{}.body())
		requireJSONError(t, rec, 500, "false")
		require.Contains(t, rec.Body.String(), "user bug")
	}
	require.Contains(t, logs.String(), "panicked")

	rec := post(h, "wirecap-step-panics", "", call{MaxAttempts: 3}.body())
	require.Equal(t, 206, rec.Code)
	ops := decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1)
	require.Equal(t, "StepError", ops[0].Op)
	require.Contains(t, ops[0].Error.Message, "panic")
	require.Contains(t, ops[0].Error.Message, "boom in step")

	rec = post(h, "wirecap-step-panics", "", call{Attempt: 2, MaxAttempts: 3}.body())
	require.Equal(t, "StepFailed", decodeOps(t, rec.Body.Bytes())[0].Op)
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))

	rec = post(h, "wirecap-panics-after-step", "", call{Steps: fmt.Sprintf(`{%q:{"data":"ok"}}`, wire.HashID("ok", 0))}.body())
	requireJSONError(t, rec, 500, "false")
	require.Contains(t, rec.Body.String(), "after the step")
}

func TestStrayGoroutineStep(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "stray"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			errc := make(chan error, 1)
			go func() {
				_, err := step.Run(ctx, "from-goroutine", func(ctx context.Context) (string, error) { return "x", nil })
				errc <- err
			}()
			err := <-errc
			if errors.Is(err, step.ErrStrayGoroutine) {
				return "stray detected", nil
			}
			return "", fmt.Errorf("want ErrStrayGoroutine, got %v", err)
		}))
	rec := post(h, "wirecap-stray", "", call{}.body())
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Equal(t, `"stray detected"`, rec.Body.String())
}

func TestRecoverCannotSwallowStop(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	var deferred, recovered atomic.Int32
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "recovers"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (out string, err error) {
			defer func() {
				deferred.Add(1)
				if r := recover(); r != nil {
					recovered.Add(1)
				}
				out, err = "swallowed", nil // a defer that overrides the result
			}()
			func() {
				defer func() { _ = recover() }()
				_, err = step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "a", nil })
			}()
			if err := step.Sleep(ctx, "nap", 0); err != nil {
				return "", err
			}
			return "end", nil
		}))
	rec := post(h, "wirecap-recovers", "", call{}.body())
	require.Equal(t, 206, rec.Code, rec.Body.String())
	ops := decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1)
	require.Equal(t, "StepRun", ops[0].Op)
	require.EqualValues(t, 1, deferred.Load(), "deferred functions run")
	require.Zero(t, recovered.Load(), "recover() sees nothing")

	rec = post(h, "wirecap-recovers", "", call{Steps: fmt.Sprintf(`{%q:{"data":"a"}}`, wire.HashID("a", 0))}.body())
	require.Equal(t, 206, rec.Code)
	require.Equal(t, "Sleep", decodeOps(t, rec.Body.Bytes())[0].Op)
}
