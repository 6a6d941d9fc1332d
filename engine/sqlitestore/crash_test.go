package sqlitestore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// crashDBEnv, when set, turns the test binary into an engine server on that
// database file (see TestCrashServerHelper); crashOffsetEnv is its clock's
// offset from the wall clock in nanoseconds (so that a cron tick falls during
// the test); crashPauseEnv is "event:NAME" or "memo:STEP": the transaction
// that accepts an event named NAME, or that records the result of step STEP
// (a hashed step ID), prints midCommitMarker and blocks before committing,
// for the parent to kill the process mid-commit.
const (
	crashDBEnv     = "SQLITESTORE_CRASH_DB"
	crashOffsetEnv = "SQLITESTORE_CRASH_OFFSET"
	crashPauseEnv  = "SQLITESTORE_CRASH_PAUSE"
)

// Lines the helper prints on stdout.
const (
	addrPrefix      = "CRASH-SERVER-ADDR "
	midCommitMarker = "CRASH-MID-COMMIT"
)

// offsetClock is the wall clock shifted by a fixed offset.
type offsetClock struct {
	engine.RealClock
	offset time.Duration
}

func (c offsetClock) Now() time.Time { return time.Now().Add(c.offset) }

// pausingStore blocks, before committing, the transaction that saves an
// event named event or a run holding the result of step memo.
type pausingStore struct {
	*sqlitestore.Store
	event, memo string
}

func (p *pausingStore) Tx(ctx context.Context, fn func(enginestore.Store) error) error {
	return p.Store.Tx(ctx, func(s enginestore.Store) error {
		w := &watchTx{Store: s, event: p.event, memo: p.memo}
		if err := fn(w); err != nil {
			return err
		}
		if w.hit {
			fmt.Println(midCommitMarker)
			select {} // killed here, with the transaction written but not committed
		}
		return nil
	})
}

type watchTx struct {
	enginestore.Store
	event, memo string
	hit         bool
}

func (w *watchTx) SaveRun(ctx context.Context, r *enginestore.RunRecord) error {
	for _, m := range r.Memo {
		w.hit = w.hit || (w.memo != "" && m.ID == w.memo)
	}
	return w.Store.SaveRun(ctx, r)
}

func (w *watchTx) SaveEvent(ctx context.Context, ev enginestore.EventRecord) (bool, error) {
	if w.event != "" && ev.Name == w.event {
		w.hit = true
	}
	return w.Store.SaveEvent(ctx, ev)
}

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
	offset, _ := strconv.ParseInt(os.Getenv(crashOffsetEnv), 10, 64)
	var store enginestore.Store = st
	if pause := os.Getenv(crashPauseEnv); pause != "" {
		ps := &pausingStore{Store: st}
		ps.event, _ = strings.CutPrefix(pause, "event:")
		if m, ok := strings.CutPrefix(pause, "memo:"); ok {
			ps.event, ps.memo = "", m
		}
		store = ps
	}
	eng, err := engine.New(engine.Options{
		Store:        store,
		Clock:        offsetClock{offset: time.Duration(offset)},
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
	// midCommit is closed when the helper reports a paused commit.
	midCommit chan struct{}
}

func startEngineProc(t *testing.T, dbPath string, offset time.Duration, pauseOn string) *engineProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashServerHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+dbPath, crashOffsetEnv+"="+strconv.FormatInt(int64(offset), 10),
		crashPauseEnv+"="+pauseOn)
	cmd.Stderr = &testWriter{t: t}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &engineProc{cmd: cmd, done: make(chan struct{}), midCommit: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), addrPrefix); ok {
				urlc <- u
			}
			if sc.Text() == midCommitMarker {
				close(p.midCommit)
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

// add adds d to k and returns the new value.
func (c *counters) add(k string, d int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[k] += d
	return c.n[k]
}

func (c *counters) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// maxOf raises k to at least v.
func (c *counters) maxOf(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[k] = max(c.n[k], v)
}

type crashIn struct {
	N int `json:"n"`
}

var (
	evSleep    = events.Define[crashIn]("test/crash.sleep")
	evWait     = events.Define[crashIn]("test/crash.wait")
	evBlock    = events.Define[crashIn]("test/crash.block")
	evGo       = events.Define[crashIn]("test/crash.go")
	evNoise    = events.Define[crashIn]("test/crash.noise")
	evDebounce = events.Define[crashIn]("test/crash.debounce")
	evBatch    = events.Define[crashIn]("test/crash.batch")
	evInvoke   = events.Define[crashIn]("test/crash.invoke")
	evSingle   = events.Define[crashIn]("test/crash.single")
	evFetch    = events.Define[crashIn]("test/crash.fetch")
	evMid      = events.Define[crashIn]("test/crash.mid")
	evRecord   = events.Define[crashIn]("test/crash.record")
)

// rawFetcher is an app without the SDK (ours has no step.fetch): its one
// function makes a step.fetch (Gateway op) of url and returns the body.
func rawFetcher(t *testing.T, url string) http.Handler {
	fetch := wire.HashID("fetch", 0)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Steps map[string]struct {
				Data struct {
					Body string `json:"body"`
				} `json:"data"`
			} `json:"steps"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("raw app: %v", err)
		}
		w.Header().Set("X-Inngest-Sdk", "go:v0.15.1")
		w.Header().Set("X-Inngest-Req-Version", "2")
		w.Header().Set("Content-Type", "application/json")
		res, ok := req.Steps[fetch]
		if !ok {
			w.WriteHeader(http.StatusPartialContent)
			fmt.Fprintf(w, `[{"op":"Gateway","id":%q,"name":"fetch","opts":{"url":%q,"method":"GET"}}]`, fetch, url)
			return
		}
		b, _ := json.Marshal(res.Data.Body)
		_, _ = w.Write(b)
	})
}

// registerRaw syncs the raw app through the engine's /fn/register.
func registerRaw(ctx context.Context, t *testing.T, engineURL, appURL string) {
	body, err := json.Marshal(map[string]any{"v": "1", "url": appURL, "deployType": "ping", "sdk": "go:v0.15.1", "appName": "raw",
		"functions": []any{map[string]any{"id": "raw-fetcher", "name": "fetcher",
			"triggers": []any{map[string]any{"event": evFetch.EventName()}},
			"steps": map[string]any{"step": map[string]any{"id": "step", "name": "fetcher",
				"runtime": map[string]any{"url": appURL + "?fnId=raw-fetcher&step=step"}}}}}})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, engineURL+"/fn/register", bytes.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
}

// TestCrashRecovery runs an SDK app against an engine in a subprocess and
// kills the engine with SIGKILL while it is committing a transaction
// (accepting an event) and while, at the same time: one run sleeps, one
// waits for an event, one is inside a step, a debounced event and a partial
// batch are buffered, a step.fetch request is in flight, a cron run started
// by a tick is inside a step, an invoked run is inside a step (its parent
// waiting), and a call waits for a concurrency slot. It restarts the engine
// on the same file and checks that nothing accepted or recorded was lost and
// that every run completes exactly once. Then it kills the restarted engine
// while it commits a step's result, and restarts it again.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine subprocesses; skipped with -short")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	dbPath := filepath.Join(t.TempDir(), "engine.db")
	// The engine's clock is 4 s before a minute boundary, so that the cron
	// function's tick comes while the runs get to their resting points.
	now := time.Now()
	offset := now.Truncate(time.Minute).Add(time.Minute - 4*time.Second).Sub(now)

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

	// The app. Steps that block wait for release (closed after the kill)
	// and say so on entered.
	count := &counters{n: map[string]int{}}
	entered := make(chan string, 16)
	release := make(chan struct{})
	block := func(name string) {
		count.inc(name)
		entered <- name
		<-release
	}
	client, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "crash", Mode: inngest.ModeDev, APIBaseURL: proxy.URL, EventAPIBaseURL: proxy.URL,
		Checkpoint:  inngest.CheckpointOptions{Disabled: true},
		Logger:      slog.New(slog.DiscardHandler),
		SendRetries: 40,
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
			if _, err := step.Run(ctx, "block", func(context.Context) (int, error) { block("blocker.block"); return 2, nil }); err != nil {
				return "", err
			}
			count.inc("blocker.done")
			return "unblocked", nil
		})
	require.NoError(t, err)
	debouncer, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "debouncer", Debounce: &inngest.Debounce{Period: 3 * time.Second}},
		inngest.OnEvent(evDebounce), func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			count.inc("debouncer.done")
			return in.Event.Data.N, nil
		})
	require.NoError(t, err)
	batcher, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "batcher", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: time.Minute}},
		inngest.OnEvent(evBatch), func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			count.inc("batcher.done")
			sum := 0
			for _, ev := range in.Events {
				sum += ev.Data.N
			}
			return sum, nil
		})
	require.NoError(t, err)
	invokee, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "invokee"}, inngest.OnEvent(events.Define[crashIn]("test/crash.never")),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			if _, err := step.Run(ctx, "first", func(context.Context) (int, error) { count.inc("invokee.first"); return 1, nil }); err != nil {
				return 0, err
			}
			if _, err := step.Run(ctx, "block", func(context.Context) (int, error) { block("invokee.block"); return 2, nil }); err != nil {
				return 0, err
			}
			count.inc("invokee.done")
			return in.Event.Data.N * 10, nil
		})
	require.NoError(t, err)
	inviter, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "inviter"}, inngest.OnEvent(evInvoke),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			got, err := step.Invoke(ctx, "call", invokee.Ref(), crashIn{N: in.Event.Data.N}, time.Minute)
			if err != nil {
				return 0, err
			}
			count.inc("inviter.done")
			return got, nil
		})
	require.NoError(t, err)
	single, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "single", Concurrency: []inngest.Concurrency{{Limit: 1}}},
		inngest.OnEvent(evSingle), func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			if _, err := step.Run(ctx, "work", func(context.Context) (int, error) {
				count.maxOf("single.most", count.add("single.inflight", 1))
				defer count.add("single.inflight", -1)
				block("single.work")
				return 1, nil
			}); err != nil {
				return 0, err
			}
			count.inc("single.done")
			return in.Event.Data.N, nil
		})
	require.NoError(t, err)
	cronner, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "cronner"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			if _, err := step.Run(ctx, "block", func(context.Context) (int, error) { block("cronner.block"); return 1, nil }); err != nil {
				return "", err
			}
			count.inc("cronner.done")
			return "ticked", nil
		})
	require.NoError(t, err)
	mid, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "mid"}, inngest.OnEvent(evMid),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			count.inc("mid.done")
			return in.Event.Data.N, nil
		})
	require.NoError(t, err)
	recorder, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "recorder"}, inngest.OnEvent(evRecord),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			n, err := step.Run(ctx, "record", func(context.Context) (int, error) { count.inc("recorder.record"); return in.Event.Data.N, nil })
			if err != nil {
				return 0, err
			}
			count.inc("recorder.done")
			return n, nil
		})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, sleeper, waiter, blocker, debouncer, batcher, invokee, inviter, single, cronner, mid, recorder)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	defer app.Close()
	// The step.fetch target holds its first request until after the kill.
	var fetches atomic.Int32
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) == 1 {
			entered <- "fetch"
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, "fetched")
	}))
	defer remote.Close()
	raw := httptest.NewServer(rawFetcher(t, remote.URL))
	defer raw.Close()
	// Registered last, so it runs first: servers close only once their
	// blocked handlers are released.
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	// First engine: sync, send, let the runs reach their resting points.
	first := startEngineProc(t, dbPath, offset, "event:"+evMid.EventName())
	setBackend(first)
	require.NoError(t, h.Register(ctx, app.URL+"/api/inngest"))
	registerRaw(ctx, t, proxy.URL, raw.URL)
	var accepted []string
	send := func(evs ...events.Sendable) []string {
		ids, err := client.Send(ctx, evs...)
		require.NoError(t, err)
		accepted = append(accepted, ids...)
		return ids
	}
	// Runs that block in a step (or a fetch) first: they wait for release.
	triggers := map[string]string{}
	triggers["blocker"] = send(evBlock.New(crashIn{N: 3}))[0]
	triggers["inviter"] = send(evInvoke.New(crashIn{N: 4}))[0]
	triggers["single1"] = send(evSingle.New(crashIn{N: 1}))[0]
	triggers["single2"] = send(evSingle.New(crashIn{N: 2}))[0]
	triggers["fetcher"] = send(evFetch.New(crashIn{N: 1}))[0]

	peek, err := sqlitestore.OpenOptions(dbPath, sqlitestore.Options{ReadOnly: true})
	require.NoError(t, err)
	defer peek.Close()
	runOf := func(fn string) *enginestore.RunRecord {
		runs, err := peek.RunsForEvent(ctx, triggers[fn])
		require.NoError(t, err)
		require.LessOrEqual(t, len(runs), 1, fn)
		if len(runs) == 0 {
			return nil
		}
		return runs[0]
	}
	runsOfFn := func(fnID string) []*enginestore.RunRecord {
		runs, err := peek.Runs(ctx)
		require.NoError(t, err)
		var out []*enginestore.RunRecord
		for _, r := range runs {
			if r.FunctionID == fnID {
				out = append(out, r)
			}
		}
		return out
	}
	// Every blocking step has started (the cron one at the minute boundary).
	waiting := map[string]bool{"blocker.block": true, "invokee.block": true, "single.work": true, "cronner.block": true, "fetch": true}
	for len(waiting) > 0 {
		select {
		case name := <-entered:
			require.True(t, waiting[name], "%s entered twice before the kill (the second single run broke its concurrency limit?)", name)
			delete(waiting, name)
		case <-ctx.Done():
			t.Fatalf("blocking steps never started: %v", waiting)
		}
	}
	// Then the runs that rest for a while (the cron tick has come by now, so
	// these rests are still ahead when the engine is killed).
	triggers["sleeper"] = send(evSleep.New(crashIn{N: 1}))[0]
	triggers["waiter"] = send(evWait.New(crashIn{N: 7}))[0]
	send(evNoise.New(crashIn{N: 1}), evNoise.New(crashIn{N: 2}))
	triggers["batcher"] = send(evBatch.New(crashIn{N: 1}))[0]
	send(evBatch.New(crashIn{N: 2}))
	triggers["debouncer"] = send(evDebounce.New(crashIn{N: 5}))[0]
	eventually(ctx, t, "runs at rest before the kill", func() bool {
		s, w, b, s2 := runOf("sleeper"), runOf("waiter"), runOf("blocker"), runOf("single2")
		if s == nil || w == nil || b == nil || s2 == nil || len(s.Memo) != 1 || len(w.Memo) != 1 || len(b.Memo) != 1 {
			return false
		}
		timers, err := peek.Timers(ctx)
		require.NoError(t, err)
		sleeping, parked := false, false
		for _, tm := range timers {
			sleeping = sleeping || (tm.Kind == enginestore.TimerSleep && tm.RunID == s.ID)
			parked = parked || (tm.Kind == enginestore.TimerCall && tm.RunID == s2.ID)
		}
		ps, err := peek.PausesForRun(ctx, w.ID)
		require.NoError(t, err)
		flows, err := peek.Flows(ctx)
		require.NoError(t, err)
		buffered := map[enginestore.FlowKind]string{}
		for _, f := range flows {
			buffered[f.Kind] = string(f.Data)
		}
		return sleeping && parked && len(ps) == 1 && s2.Status == runtype.StatusQueued &&
			strings.Count(buffered[enginestore.FlowBatch], `"id"`) == 2 && buffered[enginestore.FlowDebounce] != ""
	})
	recorded := map[string][]enginestore.MemoEntry{}
	for _, fn := range []string{"sleeper", "waiter", "blocker"} {
		recorded[fn] = runOf(fn).Memo
	}

	// Kill while the transaction accepting an event is written but not
	// committed. The client's Send is cut off and retried after the restart.
	midSent := make(chan []string, 1)
	go func() {
		ids, err := client.Send(ctx, evMid.New(crashIn{N: 9}))
		if err != nil {
			t.Errorf("send during the crash: %v", err)
		}
		midSent <- ids
	}()
	select {
	case <-first.midCommit:
	case <-ctx.Done():
		t.Fatal("the engine never reached the paused commit")
	}
	first.kill()
	require.Zero(t, count.get("sleeper.after"), "the sleep ended before the kill: make it longer")
	require.Zero(t, count.get("debouncer.done"), "the debounce fired before the kill: make it longer")
	require.Empty(t, runsOfFn("crash-mid"), "the paused transaction was not committed")
	close(release)

	// Restart on the same file, with no new sync. This engine will be killed
	// too, later, while committing a step's result.
	second := startEngineProc(t, dbPath, offset, "memo:"+wire.HashID("record", 0))
	setBackend(second)
	for _, id := range accepted {
		ev, err := peek.Event(ctx, id)
		require.NoError(t, err, "event %s lost", id)
		require.Equal(t, id, ev.ID)
	}
	var midIDs []string
	select {
	case midIDs = <-midSent:
	case <-ctx.Done():
		t.Fatal("the send cut off by the kill never succeeded")
	}
	require.Len(t, midIDs, 1)
	triggers["mid"] = midIDs[0]
	goID := send(evGo.New(crashIn{N: 7}))[0]
	send(evBatch.New(crashIn{N: 3}))

	done := func(fn string) bool {
		r := runOf(fn)
		return r != nil && r.Status.Done()
	}
	all := []string{"sleeper", "waiter", "blocker", "inviter", "single1", "single2", "fetcher", "batcher", "debouncer", "mid"}
	eventually(ctx, t, "every run completes after the restart", func() bool {
		for _, fn := range all {
			if !done(fn) {
				return false
			}
		}
		crons := runsOfFn("crash-cronner")
		return len(crons) == 1 && crons[0].Status.Done()
	})
	outputs := map[string]string{"sleeper": `"slept"`, "waiter": `7`, "blocker": `"unblocked"`, "inviter": `40`, "single1": `1`,
		"single2": `2`, "fetcher": `"fetched"`, "batcher": `6`, "debouncer": `5`, "mid": `9`}
	for _, fn := range all {
		r := runOf(fn)
		require.Equal(t, runtype.StatusCompleted, r.Status, "%s: %s", fn, r.Output)
		require.JSONEq(t, outputs[fn], string(r.Output), fn)
	}
	require.Len(t, runOf("batcher").EventIDs, 3, "the batch kept the events buffered before the crash")
	crons := runsOfFn("crash-cronner")
	require.Equal(t, runtype.StatusCompleted, crons[0].Status)
	invoked := runsOfFn("crash-invokee")
	require.Len(t, invoked, 1)
	require.Equal(t, runtype.StatusCompleted, invoked[0].Status)
	ev, err := peek.Event(ctx, goID)
	require.NoError(t, err)
	require.Equal(t, "test/crash.go", ev.Name)
	_, err = peek.Event(ctx, triggers["mid"])
	require.NoError(t, err)

	// Every recorded step result is still there, unchanged.
	for fn, memo := range recorded {
		r := runOf(fn)
		for _, m := range memo {
			require.Contains(t, r.Memo, m, "%s lost step result %s", fn, m.ID)
		}
	}
	// A step whose result was recorded never runs again; runs complete once.
	for _, k := range []string{"sleeper.before", "sleeper.after", "sleeper.done", "waiter.before", "waiter.after", "waiter.done",
		"blocker.first", "blocker.done", "invokee.first", "invokee.done", "inviter.done", "cronner.done", "batcher.done",
		"debouncer.done", "mid.done"} {
		require.Equal(t, 1, count.get(k), k)
	}
	require.Equal(t, 2, count.get("single.done"))
	require.Equal(t, 1, count.get("single.most"), "the concurrency limit held across the restart")
	// Steps killed in flight ran again once (their results were never recorded).
	for _, k := range []string{"blocker.block", "invokee.block", "cronner.block"} {
		require.Equal(t, 2, count.get(k), k)
	}
	require.Equal(t, 3, count.get("single.work"), "the first single run's step twice, the second's once")
	require.Equal(t, int32(2), fetches.Load(), "the step.fetch in flight was made again")

	// Second crash, with nothing else in flight: kill the engine while it
	// commits a step's result (written, not committed), restart, and the
	// step runs again (its result was never recorded) and the run once.
	triggers["recorder"] = send(evRecord.New(crashIn{N: 11}))[0]
	select {
	case <-second.midCommit:
	case <-ctx.Done():
		t.Fatal("the second engine never reached the paused commit")
	}
	second.kill()
	require.Equal(t, 1, count.get("recorder.record"))
	r := runOf("recorder")
	require.NotNil(t, r, "the run's creation was committed before the step ran")
	require.Empty(t, r.Memo, "the paused transaction was not committed")
	third := startEngineProc(t, dbPath, offset, "")
	setBackend(third)
	eventually(ctx, t, "the recorder completes after the second restart", func() bool { return done("recorder") })
	r = runOf("recorder")
	require.Equal(t, runtype.StatusCompleted, r.Status, string(r.Output))
	require.JSONEq(t, `11`, string(r.Output))
	require.Equal(t, 2, count.get("recorder.record"), "the step whose result was not committed ran again")
	require.Equal(t, 1, count.get("recorder.done"))
	for _, fn := range all {
		require.Equal(t, runtype.StatusCompleted, runOf(fn).Status, fn)
	}
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
