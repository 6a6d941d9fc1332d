package interop_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// connectAppID is the id of js/connect.js's app.
const connectAppID = "interop-connect-js"

// connectSuite is an engine with a Connect gateway, served as cmd/devserver
// serves them, for the JavaScript SDK's Connect worker (js/connect.js).
type connectSuite struct {
	eng *engine.Engine
	gw  *connectgw.Gateway
	url string
}

// newConnectSuite starts an engine (with a signing key, in cloud mode) and
// its gateway with these options.
func newConnectSuite(t *testing.T, signingKey string, gwOpts connectgw.Options) *connectSuite {
	eng, err := engine.New(engine.Options{
		SigningKey:   signingKey,
		RetryBackoff: func(int) time.Duration { return 100 * time.Millisecond },
	})
	require.NoError(t, err)
	if gwOpts.Logger == nil && !testing.Verbose() {
		gwOpts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	gw := connectgw.New(eng, gwOpts)
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", gw.Handler())
	mux.Handle("/v0/connect/", gw.Handler())
	mux.Handle("/", eng.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		require.NoError(t, gw.Close())
		srv.Close()
		require.NoError(t, eng.Close())
	})
	return &connectSuite{eng: eng, gw: gw, url: srv.URL}
}

// send ingests one event and returns its ID.
func (s *connectSuite) send(t *testing.T, name string, data any) string {
	body, err := json.Marshal(map[string]any{"name": name, "data": data})
	require.NoError(t, err)
	ids, err := s.eng.SendJSON(t.Context(), body)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	return ids[0]
}

// run waits for the one run an event starts to end.
func (s *connectSuite) run(t *testing.T, eventID string) runtype.Run {
	runs, err := s.eng.WaitForEventRuns(waitCtx(t), eventID, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	return runs[0]
}

// conn waits until the gateway lists connection id as ready and returns it.
func (s *connectSuite) conn(t *testing.T, id string) connectgw.ConnInfo {
	t.Helper()
	var found connectgw.ConnInfo
	require.Eventually(t, func() bool {
		for _, c := range s.gw.Connections() {
			if c.ID == id && c.Status == "READY" {
				found = c
				return true
			}
		}
		return false
	}, 30*time.Second, 10*time.Millisecond, "connection %s never ready: %+v", id, s.gw.Connections())
	return found
}

// connectWorker is js/connect.js running in Node.
type connectWorker struct {
	// ID is the connection ID the worker printed once connected.
	ID     string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan struct{}
	stderr *limitedBuffer
}

// startConnectWorker starts js/connect.js with this environment (added to
// the test's), waits until it is connected and stops it when the test ends.
func startConnectWorker(t *testing.T, env ...string) *connectWorker {
	t.Helper()
	dir, err := filepath.Abs("js")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "inngest", "connect.js")); err != nil {
		t.Fatalf("the JavaScript SDK (with inngest/connect) is not installed in %s/node_modules: run %s", dir, installHint)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (Node.js 20 or later is needed): %v", err)
	}
	cmd := exec.Command(node, "connect.js")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NODE_ENV=test"), env...)
	if nodeMajor(t, node) < 22 {
		// The SDK's Connect worker needs the global WebSocket, behind a flag
		// before Node 22. It runs the socket in a worker thread started with
		// no execArgv, so the flag goes through NODE_OPTIONS.
		cmd.Env = append(cmd.Env, "NODE_OPTIONS=--experimental-websocket")
	}
	w := &connectWorker{cmd: cmd, lines: make(chan string, 256), exited: make(chan struct{}), stderr: &limitedBuffer{}}
	w.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = w.stderr
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case w.lines <- sc.Text():
			default: // nobody waits for it
			}
		}
		_ = cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		// connect.js closes its connection and exits when stdin closes;
		// kill it if it does not.
		_ = w.stdin.Close()
		select {
		case <-w.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-w.exited
		}
		if t.Failed() {
			t.Logf("node connect.js stderr:\n%s", w.stderr.String())
		}
	})
	w.ID = w.waitLine(t, "connected ")
	return w
}

// waitLine waits for the worker's next stdout line that starts with prefix
// and returns the rest of it.
func (w *connectWorker) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-w.lines:
			if v, ok := strings.CutPrefix(line, prefix); ok {
				return v
			}
		case <-w.exited:
			t.Fatalf("node connect.js exited before printing %q: %s", prefix, w.stderr.String())
		case <-timeout:
			t.Fatalf("node connect.js did not print %q within 30s: %s", prefix, w.stderr.String())
		}
	}
}

// stop closes the worker's stdin, which makes it close its connection
// gracefully, and waits for it to exit.
func (w *connectWorker) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, w.stdin.Close())
	w.waitLine(t, "closed")
	select {
	case <-w.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("node connect.js did not exit within 30s of closing its connection")
	}
	require.Equal(t, 0, w.cmd.ProcessState.ExitCode(), w.stderr.String())
}

// kill ends the worker with SIGKILL, as a crashed pod ends: no close frame,
// no pause, no reply.
func (w *connectWorker) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGKILL))
	select {
	case <-w.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("node connect.js did not exit within 30s of SIGKILL")
	}
}

// nodeMajor is node's major version.
func nodeMajor(t *testing.T, node string) int {
	out, err := exec.Command(node, "--version").Output()
	require.NoError(t, err)
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	n, err := strconv.Atoi(major)
	require.NoError(t, err, "node --version: %s", out)
	return n
}

// sdkVersion is the version of the installed npm package inngest.
func sdkVersion(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("js", "node_modules", "inngest", "package.json"))
	require.NoError(t, err)
	var pkg struct{ Version string }
	require.NoError(t, json.Unmarshal(b, &pkg))
	require.NotEmpty(t, pkg.Version)
	return pkg.Version
}

// TestJavaScriptConnectWorker runs js/connect.js's functions on the official
// JavaScript SDK's Connect worker against the engine's gateway: the app has
// no HTTP endpoint, so every call of every run goes over the worker's
// WebSocket.
func TestJavaScriptConnectWorker(t *testing.T) {
	t.Parallel()
	s := newConnectSuite(t, "", connectgw.Options{})
	w := startConnectWorker(t, "INNGEST_DEV="+s.url, "INTEROP_INSTANCE_ID=js-worker")

	// The gateway saw the JavaScript worker and synced its app.
	c := s.conn(t, w.ID)
	require.Equal(t, "js-worker", c.InstanceID)
	require.Equal(t, []string{connectAppID}, c.Apps)
	require.Equal(t, "typescript:v"+sdkVersion(t), c.SDK)
	apps, err := s.eng.Apps()
	require.NoError(t, err)
	require.Len(t, apps, 1)
	require.Equal(t, connectAppID, apps[0].Name)
	require.True(t, strings.HasPrefix(apps[0].URL, "ws"), "the app's URL %q is not a Connect URL", apps[0].URL)
	var fnIDs []string
	for _, fn := range apps[0].Functions {
		fnIDs = append(fnIDs, fn.ID)
	}
	require.ElementsMatch(t, []string{
		connectAppID + "-steps", connectAppID + "-sleep", connectAppID + "-retry",
		connectAppID + "-failing", connectAppID + "-wait", connectAppID + "-parallel",
		connectAppID + "-hold",
	}, fnIDs)

	t.Run("functions", func(t *testing.T) {
		t.Run("steps", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "connect/steps", map[string]any{"n": 4}))
			completed(t, r, `{"a":5,"b":50}`)
			require.Len(t, r.Steps, 2)
			for i, name := range []string{"first", "second"} {
				require.Equal(t, name, r.Steps[i].Name)
				require.True(t, r.Steps[i].Done)
			}
			require.Positive(t, r.Calls)
		})
		t.Run("sleep", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "connect/sleep", map[string]any{}))
			require.Equal(t, runtype.StatusCompleted, r.Status, "%s", r.Output)
			var out struct{ SleptMs int64 }
			require.NoError(t, json.Unmarshal(r.Output, &out))
			require.GreaterOrEqual(t, out.SleptMs, int64(1000), "the run resumed before its 1s sleep ended")
			// The sleep ended the first call; a second call ran "after".
			require.GreaterOrEqual(t, r.Calls, 2)
		})
		t.Run("retried-step", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "connect/retry", map[string]any{}))
			completed(t, r, `{"attempt":1}`)
			require.Len(t, r.Steps, 1)
			require.Equal(t, 2, r.Steps[0].Attempts)
			require.NotNil(t, r.Steps[0].LastError)
			require.Equal(t, "first attempt fails", r.Steps[0].LastError.Message)
		})
		t.Run("non-retriable-failure", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "connect/failing", map[string]any{}))
			require.Equal(t, runtype.StatusFailed, r.Status, "%s", r.Output)
			require.NotNil(t, r.Error)
			require.Contains(t, r.Error.Message, "no point retrying")
			require.Equal(t, 1, r.Attempts, "a NonRetriableError is not retried")
		})
		t.Run("parallel", func(t *testing.T) {
			t.Parallel()
			r := s.run(t, s.send(t, "connect/parallel", map[string]any{}))
			completed(t, r, `{"parts":"ABC"}`)
			require.Len(t, r.Steps, 3)
		})
		t.Run("wait-matched", func(t *testing.T) {
			t.Parallel()
			id := s.send(t, "connect/wait", map[string]any{"id": 1, "timeout": "1m"})
			require.NoError(t, s.eng.WaitFor(waitCtx(t), func([]runtype.Run) bool {
				runs := must(s.eng.RunsForEvent(id))
				return len(runs) == 1 && len(runs[0].Waits) == 1
			}))
			s.send(t, "connect/approved", map[string]any{"id": 2, "by": "nobody"})
			s.send(t, "connect/approved", map[string]any{"id": 1, "by": "ann"})
			completed(t, s.run(t, id), `{"approved":true,"by":"ann"}`)
		})
		t.Run("wait-timed-out", func(t *testing.T) {
			t.Parallel()
			id := s.send(t, "connect/wait", map[string]any{"id": 3, "timeout": "1s"})
			completed(t, s.run(t, id), `{"approved":false,"by":null}`)
		})
	})

	// Closing the worker pauses and closes its connection: the gateway
	// forgets it.
	w.stop(t)
	require.Eventually(t, func() bool { return len(s.gw.Connections()) == 0 }, 30*time.Second, 10*time.Millisecond,
		"the gateway still lists %+v", s.gw.Connections())
}

// TestJavaScriptConnectWorkerKilledMidStep: a JavaScript worker killed with
// SIGKILL in the middle of a step stops extending the request's lease; the
// lease expires, the call fails like a dropped HTTP request and its retry
// goes to a second JavaScript worker, which completes the run.
func TestJavaScriptConnectWorkerKilledMidStep(t *testing.T) {
	t.Parallel()
	// A 2 s lease (extended every 500 ms) so that the killed worker's lease
	// expires within the test's bounds.
	s := newConnectSuite(t, "", connectgw.Options{LeaseDuration: 2 * time.Second, LeaseGrace: 100 * time.Millisecond})
	first := startConnectWorker(t, "INNGEST_DEV="+s.url, "INTEROP_INSTANCE_ID=js-worker-1", "INTEROP_HOLD=js-worker-1")
	s.conn(t, first.ID)
	id := s.send(t, "connect/hold", map[string]any{})
	runID := first.waitLine(t, "holding ")

	second := startConnectWorker(t, "INNGEST_DEV="+s.url, "INTEROP_INSTANCE_ID=js-worker-2", "INTEROP_HOLD=js-worker-1")
	s.conn(t, second.ID)
	first.kill(t)

	r := s.run(t, id)
	require.Equal(t, runID, r.ID)
	completed(t, r, `{"by":"js-worker-2"}`)
	require.GreaterOrEqual(t, r.Attempts, 2, "the killed worker's attempt failed and was retried")
	require.Eventually(t, func() bool {
		conns := s.gw.Connections()
		return len(conns) == 1 && conns[0].ID == second.ID
	}, 30*time.Second, 10*time.Millisecond, "the gateway still lists %+v", s.gw.Connections())
}
