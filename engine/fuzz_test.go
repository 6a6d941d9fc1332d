package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// captureBodies returns the JSON request bodies sent to paths with prefix in
// the wire captures of ../testdata/wire, as fuzz seeds.
func captureBodies(f *testing.F, prefix string) [][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "wire", "*.jsonl"))
	require.NoError(f, err)
	var out [][]byte
	for _, name := range files {
		fh, err := os.Open(name)
		require.NoError(f, err)
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var l struct {
				URL     string          `json:"url"`
				Method  string          `json:"method"`
				ReqBody json.RawMessage `json:"req_body"`
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil || l.Method != http.MethodPost || !strings.HasPrefix(l.URL, prefix) {
				continue
			}
			if len(l.ReqBody) > 0 && l.ReqBody[0] != '"' {
				out = append(out, l.ReqBody)
			}
		}
		require.NoError(f, sc.Err())
		_ = fh.Close()
	}
	return out
}

// fuzzEngine returns a fresh engine on a manual virtual clock (nothing fires
// by itself) and its handler; it is closed when the fuzz iteration ends.
func fuzzEngine(t *testing.T) http.Handler {
	clk := engine.NewVirtualClock(t0)
	eng, err := engine.New(engine.Options{Clock: clk, Store: memstore.NewChecked(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	return eng.Handler()
}

// postRaw posts body to path on h and returns the status and body.
func postRaw(h http.Handler, path string, body []byte) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func FuzzEventAPI(f *testing.F) {
	for _, b := range captureBodies(f, "/e/") {
		f.Add(b)
	}
	for _, s := range []string{
		`{"name":"app/user.created","data":{"id":1}}`,
		`[{"name":"a/b.c","data":{}},{"name":"a/b.d","data":{"x":[1,2,3]},"user":{"id":"u"},"ts":1767225600000,"v":"2026-01-01.1"}]`,
		`{"id":"evt-1","name":"a/b.c","data":{"_inngest":{"x":1}}}`,
		`{"name":"inngest/function.failed"}`,
		`{"name":"a","data":[1]}`, `{"name":"a","ts":-1}`, `[]`, ``, `null`, `"x"`, `[[` + `]]`, `{"name":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := fuzzEngine(t)
		status, out := postRaw(h, "/e/key", body)
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Fatalf("status %d for %q: %s", status, body, out)
		}
		if !json.Valid(out) {
			t.Fatalf("response is not JSON: %q", out)
		}
	})
}

func FuzzRegister(f *testing.F) {
	for _, b := range captureBodies(f, "/fn/register") {
		f.Add(b)
	}
	for _, s := range []string{
		`{"v":"1","url":"http://127.0.0.1:3000/api/inngest","deployType":"ping","sdk":"go:v0.15.1","appName":"app","functions":[]}`,
		`{"url":"http://127.0.0.1:3000/api/inngest","appName":"app","functions":[{"id":"app-f","name":"f","triggers":[{"event":"a/b.c","expression":"event.data.x > 1"}],"steps":{"step":{"id":"step","name":"f","runtime":{"url":"http://127.0.0.1:3000/api/inngest?fnId=app-f&step=step"}}}}]}`,
		`{"url":"http://127.0.0.1:3000/api/inngest","appName":"app","functions":[{"id":"app-c","name":"c","triggers":[{"cron":"*/5 * * * *"}],"steps":{"step":{"id":"step","name":"c","runtime":{"url":"http://x/?fnId=app-c"}}},"concurrency":[{"limit":2,"key":"event.data.id"}],"debounce":{"period":"5s"},"batchEvents":{"maxSize":10,"timeout":"1s"},"cancel":[{"event":"a/b.d","if":"async.data.id == event.data.id"}]}]}`,
		`{"functions":[{"id":"","triggers":[]}]}`, `{}`, ``, `[]`, `null`, `{"functions":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := fuzzEngine(t)
		status, out := postRaw(h, "/fn/register", body)
		if status != http.StatusOK && status != http.StatusBadRequest {
			t.Fatalf("status %d for %q: %s", status, body, out)
		}
		if !json.Valid(out) {
			t.Fatalf("response is not JSON: %q", out)
		}
	})
}

// nested returns n '[' (or '{"a":') openings, never closed.
func nested(open string, n int) []byte { return bytes.Repeat([]byte(open), n) }

func TestDeeplyNestedJSONIs400(t *testing.T) {
	t.Parallel()
	const depth = 100_000
	// An app whose handler never sees the call (it is refused as malformed).
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "nest", Mode: inngest.ModeDev, BaseURL: "http://127.0.0.1:9", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(faultEvents),
		func(ctx context.Context, _ inngest.Input[faultEvent]) (int, error) {
			return step.Run(ctx, "s", func(context.Context) (int, error) { return 1, nil })
		})
	require.NoError(t, err)
	app, err := serve.New(client, serve.Options{}, fn)
	require.NoError(t, err)
	evBody := func(inner []byte) []byte {
		return append(append([]byte(`{"name":"faults/step.run","data":{"x":`), inner...), `}}`...)
	}
	callBody := func(inner []byte) []byte {
		return append(append([]byte(`{"ctx":{"run_id":"r","attempt":0,"stack":{"stack":[]}},"steps":{"x":`), inner...), []byte(`},"event":{"name":"faults/step.run","data":{"i":1}},"events":[],"version":2}`)...)
	}
	// Control: the same call, not nested, is served.
	status, out := postRaw(app, "/api/inngest?fnId=nest-f&stepId=step", callBody([]byte("1")))
	require.Less(t, status, 300, "%s", out)
	tests := []struct {
		name   string
		engine bool
		path   string
		body   []byte
	}{
		{name: "event body of brackets", engine: true, path: "/e/key", body: nested("[", depth)},
		{name: "event body of objects", engine: true, path: "/e/key", body: nested(`{"a":`, depth)},
		{name: "event data", engine: true, path: "/e/key", body: evBody(nested("[", depth))},
		{name: "event array", engine: true, path: "/e/key", body: append([]byte("["), evBody(nested("[", depth))...)},
		{name: "register body", engine: true, path: "/fn/register", body: nested("[", depth)},
		{name: "checkpoint body", engine: true, path: "/v1/checkpoint/r/async", body: nested("[", depth)},
		{name: "call body", path: "/api/inngest?fnId=nest-f&stepId=step", body: nested("[", depth)},
		{name: "call memo", path: "/api/inngest?fnId=nest-f&stepId=step", body: callBody(nested("[", depth))},
		{name: "call event", path: "/api/inngest?fnId=nest-f&stepId=step", body: bytes.ReplaceAll(callBody([]byte("1")), []byte(`"data":{"i":1}`), append([]byte(`"data":`), nested("[", depth)...))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h http.Handler = app
			if tc.engine {
				h = fuzzEngine(t)
			}
			status, out := postRaw(h, tc.path, tc.body)
			require.Equal(t, http.StatusBadRequest, status, "%s", out)
			require.True(t, json.Valid(out), "%s", out)
		})
	}
}

// TestDeeplyNestedSDKResponse checks that a 206 reply nested 100k deep fails
// the call (and is retried) without blowing the engine's stack.
func TestDeeplyNestedSDKResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{RetryBackoff: func(int) time.Duration { return time.Millisecond }}, func(c call) reply {
		return reply{Status: 206, Body: string(nested("[", 100_000))}
	})
	h.mustRegister(h.fn("nest", map[string]any{"retries": 1}))
	id := h.send("test/nest", map[string]any{})
	runs := h.waitRuns(id, 1)
	require.Equal(t, runtype.StatusFailed, runs[0].Status)
	require.Len(t, h.app.Calls(), 2)
}
