package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// installHint is the command that installs the pinned JavaScript SDK.
const installHint = "`npm ci --prefix interop/js` from the repository root (or `make interop-deps`; `make test` does it)"

// jsApp is the Node app of js/app.js, reached through a proxy that records
// every request the engine makes to it.
type jsApp struct {
	// URL is the app's serve endpoint, behind the recording proxy.
	URL   string
	mu    sync.Mutex
	calls []appCall
}

// appCall is one request the engine made to the app.
type appCall struct {
	Method  string
	FnID    string
	RunID   string
	StepIDs []string
	UseAPI  bool // ctx.use_api
	Bytes   int  // the request body's size
}

// startJSApp starts js/app.js with this environment (added to the test's)
// and stops it when the test ends.
func startJSApp(t *testing.T, env ...string) *jsApp {
	t.Helper()
	dir, err := filepath.Abs("js")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "inngest", "package.json")); err != nil {
		t.Fatalf("the JavaScript SDK is not installed in %s/node_modules: run %s", dir, installHint)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (Node.js 20 or later is needed): %v", err)
	}
	cmd := exec.Command(node, "app.js")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NODE_ENV=test"), env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out := &lineWatcher{prefix: "listening ", found: make(chan string, 1)}
	cmd.Stdout = out
	stderr := &limitedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// app.js exits when its stdin closes; kill it if it does not.
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("node stderr:\n%s", stderr.String())
		}
	})
	var addr string
	select {
	case addr = <-out.found:
	case <-exited:
		t.Fatalf("node app.js exited before listening: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("node app.js did not start listening within 30s: %s", stderr.String())
	}

	target, err := url.Parse("http://127.0.0.1:" + addr)
	require.NoError(t, err)
	a := &jsApp{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	transport := &http.Transport{}
	proxy.Transport = transport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Ctx struct {
				RunID  string `json:"run_id"`
				UseAPI bool   `json:"use_api"`
			} `json:"ctx"`
		}
		_ = json.Unmarshal(body, &req)
		a.mu.Lock()
		a.calls = append(a.calls, appCall{Method: r.Method, FnID: q.Get("fnId"), RunID: req.Ctx.RunID, StepIDs: q["stepId"], UseAPI: req.Ctx.UseAPI, Bytes: len(body)})
		a.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	a.URL = srv.URL + "/api/inngest"
	return a
}

// RunCalls returns the calls made for a run.
func (a *jsApp) RunCalls(runID string) []appCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []appCall
	for _, c := range a.calls {
		if c.Method == http.MethodPost && c.RunID == runID {
			out = append(out, c)
		}
	}
	return out
}

// All returns every request made to the app.
func (a *jsApp) All() []appCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]appCall(nil), a.calls...)
}

// lineWatcher is a Node script's stdout: it reports the rest of the first
// line that starts with prefix ("listening <port>", "connected <id>").
type lineWatcher struct {
	prefix string
	mu     sync.Mutex
	buf    []byte
	sent   bool
	found  chan string
}

func (p *lineWatcher) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent {
		return len(b), nil
	}
	p.buf = append(p.buf, b...)
	for {
		line, rest, ok := strings.Cut(string(p.buf), "\n")
		if !ok {
			return len(b), nil
		}
		p.buf = []byte(rest)
		if v, found := strings.CutPrefix(line, p.prefix); found {
			p.sent = true
			p.found <- v
			return len(b), nil
		}
	}
}

// limitedBuffer keeps the first 64 KiB of the app's stderr.
type limitedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *limitedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 64<<10 {
		l.buf.Write(b)
	}
	return len(b), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitCtx bounds one wait of the suite.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
