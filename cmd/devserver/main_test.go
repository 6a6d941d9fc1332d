package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"

	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// client is what the tests (and their fake apps) use to reach the server; its
// idle connections are closed before the server stops, so that Shutdown never
// waits for a connection dialed but never used.
var client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

// lockedBuffer is a stderr that tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs the dev server with args on a free port and returns its
// origin and stderr; it is stopped when the test ends.
func startServer(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	return startServerWithBackoff(t, defaultSyncBackoff, args...)
}

// startServerWithBackoff is startServer with the pace of the --sync retries.
func startServerWithBackoff(t *testing.T, backoff syncBackoff, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"--port", "0"}, args...), stderr, ready, backoff) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("dev server stopped: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		cancel()
		require.NoError(t, <-done)
	})
	return "http://" + addr, stderr
}

func do(t *testing.T, method, url, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOpenServerSaysSo(t *testing.T) {
	t.Parallel()
	url, stderr := startServer(t)
	out := stderr.String()
	require.Contains(t, out, "WARNING: no --signing-key: anyone who can reach "+url+" can sync apps")
	require.Contains(t, out, "read every run")
	require.Contains(t, out, "WARNING: no --event-key")
	st, _ := do(t, http.MethodGet, url+"/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX", "", "")
	require.Equal(t, http.StatusNotFound, st)
	require.Contains(t, out, "web UI: "+url+"/")
	st, body := do(t, http.MethodGet, url+"/", "", "")
	require.Equal(t, http.StatusOK, st, "the web UI at the root")
	require.Contains(t, body, "<h1>Runs</h1>")
}

func TestKeysAreEnforced(t *testing.T) {
	t.Parallel()
	const key = "signkey-test-0123abcd"
	url, stderr := startServer(t, "--signing-key", key, "--event-key", "evkey")
	require.NotContains(t, stderr.String(), "WARNING")
	require.Contains(t, stderr.String(), "web UI: off")
	tests := []struct {
		name, method, path, auth, body string
		want                           int
	}{
		{"run API without key", http.MethodGet, "/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX", "", "", http.StatusUnauthorized},
		{"run API with key", http.MethodGet, "/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX", key, "", http.StatusNotFound},
		{"event runs without key", http.MethodGet, "/v1/events/01JXXXXXXXXXXXXXXXXXXXXXXX/runs", "", "", http.StatusUnauthorized},
		{"dev info without key", http.MethodGet, "/dev", "", "", http.StatusUnauthorized},
		{"dev info with key", http.MethodGet, "/dev", key, "", http.StatusOK},
		{"sync without key", http.MethodPost, "/fn/register", "", `{}`, http.StatusUnauthorized},
		{"wrong event key", http.MethodPost, "/e/other", "", `{"name":"a/b"}`, http.StatusUnauthorized},
		{"event key", http.MethodPost, "/e/evkey", "", `{"name":"a/b"}`, http.StatusOK},
		{"web UI off", http.MethodGet, "/", key, "", http.StatusForbidden},
		{"connect start without key", http.MethodPost, "/v0/connect/start", "", "", http.StatusUnauthorized},
		{"connect start with key", http.MethodPost, "/v0/connect/start", key, "", http.StatusOK},
		{"connect flush without key", http.MethodPost, "/v0/connect/flush", "", "x", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := do(t, tt.method, url+tt.path, tt.auth, tt.body)
			require.Equal(t, tt.want, st, body)
		})
	}
}

// --sync keeps trying until the app answers, logging a few lines, and the app
// then shows in GET /dev.
func TestSyncRetriesUntilTheAppAnswers(t *testing.T) {
	t.Parallel()
	const failures = 9
	var engineURL atomic.Value
	engineURL.Store("")
	var puts atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		api := engineURL.Load().(string)
		if puts.Add(1) <= failures || api == "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		self := "http://" + r.Host + "/api/inngest"
		body, _ := json.Marshal(map[string]any{"v": "1", "url": self, "deployType": "ping", "sdk": "go:v0.0.1", "appName": "late-app",
			"functions": []any{map[string]any{"id": "late-app-hello", "name": "hello",
				"triggers": []any{map[string]any{"event": "a/hello"}},
				"steps":    map[string]any{"step": map[string]any{"id": "step", "name": "hello", "runtime": map[string]any{"url": self + "?fnId=late-app-hello&stepId=step"}}}}}})
		resp, err := client.Post(api+"/fn/register", "application/json", bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(app.Close)

	fast := syncBackoff{First: time.Millisecond, Max: 4 * time.Millisecond, Attempt: 5 * time.Second}
	url, stderr := startServerWithBackoff(t, fast, "--sync", app.URL+"/api/inngest")
	engineURL.Store(url)

	var info struct {
		Functions []struct {
			Slug string `json:"slug"`
		} `json:"functions"`
		Handlers []struct {
			FunctionIDs []string `json:"functionIDs"`
		} `json:"handlers"`
	}
	require.Eventually(t, func() bool {
		_, body := do(t, http.MethodGet, url+"/dev", "", "")
		require.NoError(t, json.Unmarshal([]byte(body), &info))
		return len(info.Functions) > 0
	}, 10*time.Second, time.Millisecond, "the app never synced")
	require.Equal(t, "late-app-hello", info.Functions[0].Slug)
	require.Equal(t, []string{"late-app-hello"}, info.Handlers[0].FunctionIDs)
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "synced app") }, 10*time.Second, time.Millisecond)
	out := stderr.String()
	failed := int(puts.Load()) - 1
	require.GreaterOrEqual(t, failed, failures)
	// Only failed attempts 1, 2, 4, 8, ... are logged.
	require.Equal(t, bits.Len(uint(failed)), strings.Count(out, "sync failed"), out)
}

func TestOneServerPerDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	startServer(t, "--data-dir", dir)
	err := run(context.Background(), []string{"--port", "0", "--data-dir", dir}, io.Discard, nil, defaultSyncBackoff)
	require.ErrorIs(t, err, sqlitestore.ErrLocked)
	require.ErrorContains(t, err, "one engine per file")
}

// TestConnectGatewayOnSamePort: /v0/connect/start hands Connect workers the
// WebSocket URL of this server, whose socket speaks the Connect subprotocol
// and greets with GATEWAY_HELLO.
func TestConnectGatewayOnSamePort(t *testing.T) {
	t.Parallel()
	url, _ := startServer(t)
	st, body := do(t, http.MethodPost, url+"/v0/connect/start", "", "")
	require.Equal(t, http.StatusOK, st, body)
	var sr connectproto.StartResponse
	require.NoError(t, proto.Unmarshal([]byte(body), &sr))
	require.Equal(t, "ws://"+strings.TrimPrefix(url, "http://")+"/v0/connect", sr.GatewayEndpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, sr.GatewayEndpoint, &websocket.DialOptions{Subprotocols: []string{connectproto.Subprotocol}, HTTPClient: client})
	require.NoError(t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	defer ws.CloseNow()
	require.Equal(t, connectproto.Subprotocol, ws.Subprotocol())
	_, b, err := ws.Read(ctx)
	require.NoError(t, err)
	var m connectproto.ConnectMessage
	require.NoError(t, proto.Unmarshal(b, &m))
	require.Equal(t, connectproto.GatewayMessageType_GATEWAY_HELLO, m.Kind)
	require.NoError(t, ws.Close(websocket.StatusNormalClosure, connectproto.WorkerDisconnectReason_WORKER_SHUTDOWN.String()))
}

// TestWebUIListsConnectWorkers: the dev server's UI lists a Connect worker
// connected to its gateway.
func TestWebUIListsConnectWorkers(t *testing.T) {
	t.Parallel()
	url, _ := startServer(t)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "ui-workers", Mode: inngest.ModeDev, DevServerURL: url, HTTPClient: client})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "noop"}, inngest.OnEvent(events.Define[map[string]any]("ui/worker.noop")),
		func(context.Context, inngest.Input[map[string]any]) (int, error) { return 1, nil })
	require.NoError(t, err)
	w, err := connect.New(c, connect.Options{InstanceID: "pod-ui-1"}, fn)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	require.Eventually(t, func() bool {
		st, body := do(t, http.MethodGet, url+"/workers", "", "")
		return st == http.StatusOK && strings.Contains(body, `data-instance="pod-ui-1"`) &&
			strings.Contains(body, "<code>ui-workers</code>") && strings.Contains(body, ">READY<")
	}, 10*time.Second, 20*time.Millisecond)
}
