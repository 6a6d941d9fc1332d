package sqlitestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// crashDBEnv, when set, turns the test binary into an engine server on that
// database file (see TestCrashServerHelper).
const crashDBEnv = "SQLITESTORE_CRASH_DB"

// addrPrefix starts the line on which the helper reports its address.
const addrPrefix = "CRASH-SERVER-ADDR "

// TestCrashServerHelper is not a test: re-executed by TestCrashRecovery with
// crashDBEnv set, it serves an engine backed by the SQLite store on a loopback
// port, prints the address and runs until it is killed.
func TestCrashServerHelper(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	st, err := sqlitestore.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	eng, err := engine.New(engine.Options{
		Store:        st,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		RetryBackoff: func(int) time.Duration { return 200 * time.Millisecond },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(3)
	}
	fmt.Printf("%shttp://%s\n", addrPrefix, ln.Addr())
	go func() { _ = http.Serve(ln, eng.Handler()) }()
	// The parent kills us; never outlive a crashed parent for long.
	time.Sleep(2 * time.Minute)
	os.Exit(4)
}

// engineProc is a running helper process.
type engineProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func startEngineProc(t *testing.T, dbPath string) *engineProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashServerHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+dbPath)
	cmd.Stderr = &testWriter{t: t}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &engineProc{cmd: cmd, done: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), addrPrefix); ok {
				urlc <- u
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	select {
	case p.url = <-urlc:
	case <-p.done:
		t.Fatal("engine process exited before serving")
	case <-time.After(15 * time.Second):
		t.Fatal("engine process did not start")
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *engineProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// testWriter forwards the helper's stderr to the test log.
type testWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Logf("engine: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// counters counts side effects of step code in the app.
type counters struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counters) inc(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[k]++
}

func (c *counters) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

type crashIn struct {
	N int `json:"n"`
}

var (
	evSleep = events.Define[crashIn]("test/crash.sleep")
	evWait  = events.Define[crashIn]("test/crash.wait")
	evBlock = events.Define[crashIn]("test/crash.block")
	evGo    = events.Define[crashIn]("test/crash.go")
	evNoise = events.Define[crashIn]("test/crash.noise")
)

// TestCrashRecovery runs an SDK app against an engine in a subprocess, kills
// the engine with SIGKILL while one run sleeps, one waits for an event and
// one is inside a step, restarts it on the same file and checks that nothing
// accepted or recorded was lost and that every run completes exactly once.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine subprocesses; skipped with -short")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	dbPath := filepath.Join(t.TempDir(), "engine.db")

	// A stable front for the engine: the app and the client keep one URL
	// while the process behind it changes.
	var backend atomic.Pointer[url.URL]
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(backend.Load()) },
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	})
	defer proxy.Close()
	setBackend := func(p *engineProc) {
		u, err := url.Parse(p.url)
		require.NoError(t, err)
		backend.Store(u)
	}

	// The app.
	count := &counters{n: map[string]int{}}
	blockEntered := make(chan struct{}, 8)
	release := make(chan struct{})
	client, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "crash", Mode: inngest.ModeDev, APIBaseURL: proxy.URL, EventAPIBaseURL: proxy.URL,
		Checkpoint: inngest.CheckpointOptions{Disabled: true},
		Logger:     slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	sleeper, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "sleeper"}, inngest.OnEvent(evSleep),
		func(ctx context.Context, in inngest.Input[crashIn]) (string, error) {
			if _, err := step.Run(ctx, "before", func(context.Context) (int, error) { count.inc("sleeper.before"); return 1, nil }); err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", 2*time.Second); err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "after", func(context.Context) (int, error) { count.inc("sleeper.after"); return 2, nil }); err != nil {
				return "", err
			}
			count.inc("sleeper.done")
			return "slept", nil
		})
	require.NoError(t, err)
	waiter, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "waiter"}, inngest.OnEvent(evWait),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			if _, err := step.Run(ctx, "before", func(context.Context) (int, error) { count.inc("waiter.before"); return 1, nil }); err != nil {
				return 0, err
			}
			got, ok, err := step.WaitForEvent(ctx, "wait", evGo, time.Minute, step.WaitOpts{If: "async.data.n == event.data.n"})
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, errors.New("wait timed out")
			}
			if _, err := step.Run(ctx, "after", func(context.Context) (int, error) { count.inc("waiter.after"); return 2, nil }); err != nil {
				return 0, err
			}
			count.inc("waiter.done")
			return got.Data.N, nil
		})
	require.NoError(t, err)
	blocker, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "blocker"}, inngest.OnEvent(evBlock),
		func(ctx context.Context, in inngest.Input[crashIn]) (string, error) {
			if _, err := step.Run(ctx, "first", func(context.Context) (int, error) { count.inc("blocker.first"); return 1, nil }); err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "block", func(context.Context) (int, error) {
				count.inc("blocker.block")
				blockEntered <- struct{}{}
				<-release
				return 2, nil
			}); err != nil {
				return "", err
			}
			count.inc("blocker.done")
			return "unblocked", nil
		})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, sleeper, waiter, blocker)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	defer app.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	// First engine: sync, send, let the runs reach their resting points.
	first := startEngineProc(t, dbPath)
	setBackend(first)
	require.NoError(t, h.Register(ctx, app.URL+"/api/inngest"))
	var accepted []string
	send := func(evs ...events.Sendable) []string {
		ids, err := client.Send(ctx, evs...)
		require.NoError(t, err)
		accepted = append(accepted, ids...)
		return ids
	}
	triggers := map[string]string{}
	triggers["sleeper"] = send(evSleep.New(crashIn{N: 1}))[0]
	triggers["waiter"] = send(evWait.New(crashIn{N: 7}))[0]
	send(evNoise.New(crashIn{N: 1}), evNoise.New(crashIn{N: 2}))
	triggers["blocker"] = send(evBlock.New(crashIn{N: 3}))[0]

	peek, err := sqlitestore.OpenOptions(dbPath, sqlitestore.Options{ReadOnly: true})
	require.NoError(t, err)
	defer peek.Close()
	runOf := func(fn string) *engine.RunState {
		runs, err := peek.RunsForEvent(ctx, triggers[fn])
		require.NoError(t, err)
		require.LessOrEqual(t, len(runs), 1, fn)
		if len(runs) == 0 {
			return nil
		}
		return runs[0]
	}
	select {
	case <-blockEntered:
	case <-ctx.Done():
		t.Fatal("the blocking step never started")
	}
	eventually(ctx, t, "runs at rest before the kill", func() bool {
		s, w, b := runOf("sleeper"), runOf("waiter"), runOf("blocker")
		if s == nil || w == nil || b == nil || len(s.Memo) != 1 || len(w.Memo) != 1 || len(b.Memo) != 1 {
			return false
		}
		timers, err := peek.Timers(ctx)
		require.NoError(t, err)
		sleeping := false
		for _, tm := range timers {
			sleeping = sleeping || (tm.Kind == engine.TimerSleep && tm.RunID == s.ID)
		}
		ps, err := peek.PausesForRun(ctx, w.ID)
		require.NoError(t, err)
		return sleeping && len(ps) == 1
	})
	recorded := map[string][]engine.MemoEntry{}
	for _, fn := range []string{"sleeper", "waiter", "blocker"} {
		recorded[fn] = runOf(fn).Memo
	}

	// Crash. The blocked step then finishes into a dead connection.
	first.kill()
	require.Zero(t, count.get("sleeper.after"), "the sleep ended before the kill: make it longer")
	close(release)

	// Restart on the same file, with no new sync.
	second := startEngineProc(t, dbPath)
	setBackend(second)
	for _, id := range accepted {
		ev, err := peek.Event(ctx, id)
		require.NoError(t, err, "event %s lost", id)
		require.Equal(t, id, ev.ID)
	}
	goID := send(evGo.New(crashIn{N: 7}))[0]

	done := func(fn string) bool {
		r := runOf(fn)
		return r != nil && r.Status.Done()
	}
	eventually(ctx, t, "sleeper and waiter complete after the restart", func() bool { return done("sleeper") && done("waiter") })
	for _, fn := range []string{"sleeper", "waiter"} {
		r := runOf(fn)
		require.Equal(t, engine.StatusCompleted, r.Status, "%s: %s", fn, r.Output)
	}
	require.JSONEq(t, `"slept"`, string(runOf("sleeper").Output))
	require.JSONEq(t, `7`, string(runOf("waiter").Output))
	ev, err := peek.Event(ctx, goID)
	require.NoError(t, err)
	require.Equal(t, "test/crash.go", ev.Name)

	// Every recorded step result is still there, unchanged.
	for fn, memo := range recorded {
		r := runOf(fn)
		for _, m := range memo {
			require.Contains(t, r.Memo, m, "%s lost step result %s", fn, m.ID)
		}
	}
	// A step whose result was recorded never runs again; runs complete once.
	for _, k := range []string{"sleeper.before", "sleeper.after", "sleeper.done", "waiter.before", "waiter.after", "waiter.done", "blocker.first"} {
		require.Equal(t, 1, count.get(k), k)
	}

	// The run killed inside a step must be called again after the restart.
	blockerCtx, blockerCancel := context.WithTimeout(ctx, 5*time.Second)
	defer blockerCancel()
	if !poll(blockerCtx, func() bool { return done("blocker") }) {
		r := runOf("blocker")
		timers, _ := peek.Timers(ctx)
		var mine []engine.TimerItem
		for _, tm := range timers {
			if tm.RunID == r.ID {
				mine = append(mine, tm)
			}
		}
		t.Fatalf("the run killed during a call (status %s, %d step results, timers %v) is never resumed: "+
			"the engine deletes a call's timer from the Store when the call starts, so after a crash nothing re-issues it", r.Status, len(r.Memo), mine)
	}
	r := runOf("blocker")
	require.Equal(t, engine.StatusCompleted, r.Status, string(r.Output))
	require.Equal(t, 1, count.get("blocker.done"))
	require.Equal(t, 1, count.get("blocker.first"))
	// The blocked step's result was never recorded, so it ran again once.
	require.Equal(t, 2, count.get("blocker.block"))
}

// eventually polls cond until it holds or ctx ends, failing the test then.
func eventually(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll(ctx, cond) {
		t.Fatalf("timed out waiting for: %s", what)
	}
}

func poll(ctx context.Context, cond func() bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}
