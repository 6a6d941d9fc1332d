//go:build realserver

package prodcheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/step"
)

var (
	connSleepEv = events.Define[Round]("prod/connect.slept")
	connWorkEv  = events.Define[Round]("prod/connect.worked")
)

// apiLog records the worker's API requests: path, which key signed it, and
// the status (or "error" when the server could not be reached).
type apiLog struct {
	rt    http.RoundTripper
	names map[string]string
	mu    sync.Mutex
	seen  []string
}

func (a *apiLog) RoundTrip(r *http.Request) (*http.Response, error) {
	name, ok := a.names[r.Header.Get("Authorization")]
	if !ok {
		name = "other key"
	}
	resp, err := a.rt.RoundTrip(r)
	res := "error"
	if err == nil {
		res = fmt.Sprint(resp.StatusCode)
	}
	a.mu.Lock()
	a.seen = append(a.seen, fmt.Sprintf("%s %s: %s", r.URL.Path, name, res))
	a.mu.Unlock()
	return resp, err
}

// take returns the requests since the last take, counted.
func (a *apiLog) take() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]int{}
	for _, s := range a.seen {
		out[s]++
	}
	a.seen = nil
	return out
}

// logSink keeps the worker's log lines (JSON) to summarize them.
type logSink struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *logSink) Write(p []byte) (int, error) {
	var m map[string]any
	if json.Unmarshal(p, &m) == nil {
		l.mu.Lock()
		l.lines = append(l.lines, m)
		l.mu.Unlock()
	}
	return len(p), nil
}

// take returns "LEVEL msg" of the lines since the last take, counted.
func (l *logSink) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, m := range l.lines {
		out[fmt.Sprintf("%v %v", m["level"], m["msg"])]++
	}
	l.lines = nil
	return out
}

// readiness records when the worker became ready and not ready.
type readiness struct {
	mu     sync.Mutex
	events []readyEvent
}

type readyEvent struct {
	at    time.Time
	ready bool
}

func (r *readiness) on(v bool) {
	r.mu.Lock()
	r.events = append(r.events, readyEvent{time.Now(), v})
	r.mu.Unlock()
}

// first returns when the worker first became v after t0 (zero: not yet).
func (r *readiness) first(v bool, t0 time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.ready == v && !e.at.Before(t0) {
			return e.at
		}
	}
	return time.Time{}
}

// ConnectObservation is what one restart round showed with a Connect worker.
type ConnectObservation struct {
	Round               string         `json:"round"`
	Signal              string         `json:"signal"`
	StopTook            string         `json:"stop_took"`
	WorkerNotReadyAfter string         `json:"worker_not_ready_after_signal"`
	Down                string         `json:"down"`
	WorkerReadyAfter    string         `json:"worker_ready_after_restart"`
	SleeperStatus       string         `json:"sleeper_status"`
	SleeperOutput       string         `json:"sleeper_output"`
	WorkerStatus        string         `json:"worker_status"`
	WorkerOutput        string         `json:"worker_output"`
	SleeperDoneAfter    string         `json:"sleeper_done_after_restart"`
	WorkerDoneAfter     string         `json:"worker_done_after_restart"`
	StepExecutions      map[string]int `json:"step_executions"`
	WorkerAPIRequests   map[string]int `json:"worker_api_requests"`
	WorkerLog           map[string]int `json:"worker_log"`
}

func since(t, t0 time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Sub(t0).Round(100 * time.Millisecond).String()
}

// TestProductionConnect runs README's "Going to production" on `inngest
// start` with Postgres and Redis with a Connect worker instead of an HTTP
// app: a worker with a wrong key is refused (Run returns ErrUnauthorized);
// a worker whose key was rotated (a new key, the server's as fallback)
// connects on the fallback; then for each of SIGTERM and SIGKILL the server
// is restarted while one run sleeps (20 s) and another is 2 s into a 12 s
// step. It records how the worker reconnected, how the runs finished and
// how often each step ran to
// testdata/realserver/production-connect-restarts.json. Same environment as
// TestProductionRestarts:
//
//	PROD_POSTGRES_URI=postgres://postgres@127.0.0.1:9175/inngest?sslmode=disable \
//	PROD_REDIS_URI=redis://127.0.0.1:9176 \
//	go test -tags realserver -run TestProductionConnect -v -timeout 20m ./internal/realserver/prodcheck/
func TestProductionConnect(t *testing.T) {
	bin := env("INNGEST_BIN", "/work/rs/bin/inngest")
	pg, rd := os.Getenv("PROD_POSTGRES_URI"), os.Getenv("PROD_REDIS_URI")
	if pg == "" || rd == "" {
		t.Fatal("set PROD_POSTGRES_URI and PROD_REDIS_URI (see the doc comment)")
	}
	var port int
	_, err := fmt.Sscan(env("PROD_PORT", "9170"), &port)
	require.NoError(t, err)
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	key := hex.EncodeToString(kb)
	eventKey := hex.EncodeToString(kb[:16])
	_, _ = rand.Read(kb)
	newKey := hex.EncodeToString(kb)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	l := &launcher{t: t, bin: bin, home: t.TempDir(), port: port, base: base, key: key,
		args: []string{"start", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
			"--signing-key", key, "--event-key", eventKey, "--postgres-uri", pg, "--redis-uri", rd,
			"--connect-gateway-port", fmt.Sprint(port + 1), "--connect-gateway-grpc-port", fmt.Sprint(port + 2),
			"--connect-executor-grpc-port", fmt.Sprint(port + 3), "--tick", "50"}}
	srv := l.start()
	t.Cleanup(func() {
		if srv.cmd.ProcessState == nil {
			l.stop(srv, syscall.SIGTERM)
		}
	})
	hashed := wire.HashSigningKey
	api := &apiLog{rt: http.DefaultTransport, names: map[string]string{
		"Bearer " + hashed(key):    "server's key",
		"Bearer " + hashed(newKey): "new key",
	}}
	sink := &logSink{}
	logger := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelInfo}))
	record := map[string]any{
		"about":  "README's Going to production on inngest start with Postgres and Redis through a Connect worker (connect package); recorded by internal/realserver/prodcheck TestProductionConnect",
		"server": "inngest start --postgres-uri --redis-uri --signing-key --event-key --tick 50 (" + env("REALSERVER_COMMIT", "source at /work/rs/src") + ")",
	}

	g := newRig(t, l, api)
	newClient := func(signing, fallback string) *inngest.Client {
		c, err := inngest.NewClient(inngest.ClientOptions{AppID: "prodcheck-connect", Mode: inngest.ModeCloud,
			SigningKey: signing, SigningKeyFallback: fallback, EventKey: eventKey, BaseURL: base,
			HTTPClient: &http.Client{Transport: api, Timeout: 30 * time.Second}, Logger: logger})
		require.NoError(t, err)
		return c
	}
	fns := g.fns

	// 1. A wrong key (and no fallback): Run ends with ErrUnauthorized.
	{
		client := newClient(strings.Repeat("0f", 32), "")
		w, err := connect.New(client, connect.Options{InstanceID: "prod-wrong", Logger: logger}, fns(client)...)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t0 := time.Now()
		err = w.Run(ctx)
		cancel()
		require.ErrorIs(t, err, connect.ErrUnauthorized)
		record["wrong_key"] = map[string]any{
			"run_returned_after": time.Since(t0).Round(time.Millisecond).String(),
			"error":              err.Error(),
			"api_requests":       api.take(),
			"log":                sink.take(),
		}
		t.Logf("wrong key: %v", record["wrong_key"])
	}

	// 2. A rotated key: the new key first, the server's as fallback.
	client := newClient(newKey, key)
	w, err := connect.New(client, connect.Options{InstanceID: "prod-connect-1", Logger: logger, OnReady: g.ready.on}, fns(client)...)
	require.NoError(t, err)
	wctx, wcancel := context.WithCancel(context.Background())
	wdone := make(chan error, 1)
	t0 := time.Now()
	go func() { wdone <- w.Run(wctx) }()
	defer func() {
		wcancel()
		select {
		case err := <-wdone:
			require.NoError(t, err)
		case <-time.After(time.Minute):
			t.Error("the worker did not stop")
		}
	}()
	require.Eventually(t, w.Ready, time.Minute, 50*time.Millisecond)
	record["rotated_key_connect"] = map[string]any{
		"ready_after":  time.Since(t0).Round(time.Millisecond).String(),
		"api_requests": api.take(),
		"log":          sink.take(),
	}
	t.Logf("rotated key: %v", record["rotated_key_connect"])
	time.Sleep(2 * time.Second) // the gateway has synced the app

	g.srv = srv
	var obs []ConnectObservation
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		obs = append(obs, g.round(client, sig, "connect-", sink, 4*time.Minute))
	}
	srv = g.srv
	record["observations"] = obs
	b, err := json.MarshalIndent(record, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/production-connect-restarts.json", append(b, '\n'), 0o644))
	for _, o := range obs {
		require.Equal(t, "Completed", o.SleeperStatus, o.Round)
		require.Equal(t, "Completed", o.WorkerStatus, o.Round)
	}
}

// rig is a real server, a Connect worker's functions and what they count.
type rig struct {
	t       *testing.T
	l       *launcher
	srv     *server
	api     *apiLog
	ready   *readiness
	c       *counts
	started chan string // rounds whose long step began
}

func newRig(t *testing.T, l *launcher, api *apiLog) *rig {
	return &rig{t: t, l: l, api: api, ready: &readiness{}, c: &counts{n: map[string]int{}}, started: make(chan string, 8)}
}

// fns are the two functions: one sleeps 20 s between two steps, the other
// runs a 12 s step after a short one.
func (g *rig) fns(client *inngest.Client) []inngest.ServableFunction {
	t, c, started := g.t, g.c, g.started
	sleeper, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "sleeper"}, inngest.OnEvent(connSleepEv),
		func(ctx context.Context, in inngest.Input[Round]) (string, error) {
			r := in.Event.Data.Round
			if _, err := step.Run(ctx, "before", func(context.Context) (int, error) { c.add(r, "sleeper.before"); return 1, nil }); err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", 20*time.Second); err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(context.Context) (string, error) {
				c.add(r, "sleeper.after")
				return "slept " + r, nil
			})
		})
	require.NoError(t, err)
	worker, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "worker"}, inngest.OnEvent(connWorkEv),
		func(ctx context.Context, in inngest.Input[Round]) (string, error) {
			r := in.Event.Data.Round
			if _, err := step.Run(ctx, "first", func(context.Context) (int, error) { c.add(r, "worker.first"); return 1, nil }); err != nil {
				return "", err
			}
			return step.Run(ctx, "long", func(ctx context.Context) (string, error) {
				c.add(r, "worker.long")
				if c.get(r, "worker.long") == 1 {
					started <- r
				}
				select {
				case <-time.After(12 * time.Second):
				case <-ctx.Done():
					return "", ctx.Err()
				}
				return "worked " + r, nil
			})
		})
	require.NoError(t, err)
	return []inngest.ServableFunction{sleeper, worker}
}

// round sends both events, stops the server with sig during the sleep and
// 2 s into the long step, leaves it down 3 s, starts it again and waits up
// to wait for both runs to finish.
func (g *rig) round(client *inngest.Client, sig syscall.Signal, prefix string, sink *logSink, wait time.Duration) ConnectObservation {
	t, c, l := g.t, g.c, g.l
	round := prefix + strings.ToLower(sig.String())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := client.Send(ctx, connSleepEv.New(Round{Round: round}), connWorkEv.New(Round{Round: round}))
	require.NoError(t, err)
	select {
	case r := <-g.started:
		require.Equal(t, round, r)
	case <-ctx.Done():
		t.Fatalf("round %s: the long step never began", round)
	}
	require.Eventually(t, func() bool { return c.get(round, "sleeper.before") == 1 }, time.Minute, 100*time.Millisecond)
	time.Sleep(2 * time.Second) // the sleep is scheduled, the long step is 2 s in
	_, _ = g.api.take(), sink.take()
	o := ConnectObservation{Round: round, Signal: sig.String()}
	signalled := time.Now()
	o.StopTook = l.stop(g.srv, sig).Round(time.Millisecond).String()
	time.Sleep(3 * time.Second)
	o.Down = "3s"
	g.srv = l.start()
	restarted := time.Now()
	o.WorkerNotReadyAfter = since(g.ready.first(false, signalled), signalled)
	var sleeperDone, workerDone time.Duration
	for time.Since(restarted) < wait && (sleeperDone == 0 || workerDone == 0) {
		if st, out := l.runOf(ids[0]); sleeperDone == 0 {
			o.SleeperStatus, o.SleeperOutput = st, out
			if finished(st, out) {
				sleeperDone = time.Since(restarted)
			}
		}
		if st, out := l.runOf(ids[1]); workerDone == 0 {
			o.WorkerStatus, o.WorkerOutput = st, out
			if finished(st, out) {
				workerDone = time.Since(restarted)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	o.WorkerReadyAfter = since(g.ready.first(true, restarted), restarted)
	o.SleeperDoneAfter, o.WorkerDoneAfter = doneAfter(sleeperDone, wait), doneAfter(workerDone, wait)
	o.StepExecutions = map[string]int{}
	for _, s := range []string{"sleeper.before", "sleeper.after", "worker.first", "worker.long"} {
		o.StepExecutions[s] = c.get(round, s)
	}
	o.WorkerAPIRequests, o.WorkerLog = g.api.take(), sink.take()
	t.Logf("%+v", o)
	return o
}

func doneAfter(d, wait time.Duration) string {
	if d == 0 {
		return "not within " + wait.String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// TestDevConnectRestart does the same restarts on `inngest dev --persist`
// (SQLite on disk; the dev server has no --redis-uri, its queue and run
// state are in an in-process Redis) with a Connect worker in dev mode, and
// records what survives to testdata/realserver/dev-connect-restarts.json.
// PROD_PORT as for TestProductionConnect (the two must not run at once):
//
//	go test -tags realserver -run TestDevConnectRestart -v -timeout 20m ./internal/realserver/prodcheck/
func TestDevConnectRestart(t *testing.T) {
	bin := env("INNGEST_BIN", "/work/rs/bin/inngest")
	var port int
	_, err := fmt.Sscan(env("PROD_PORT", "9170"), &port)
	require.NoError(t, err)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := t.TempDir()
	l := &launcher{t: t, bin: bin, home: home, port: port, base: base,
		args: []string{"dev", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--no-discovery", "--no-poll",
			"--persist", "--sqlite-dir", home + "/db",
			"--connect-gateway-port", fmt.Sprint(port + 1), "--connect-gateway-grpc-port", fmt.Sprint(port + 2),
			"--connect-executor-grpc-port", fmt.Sprint(port + 3), "--tick", "50"}}
	api := &apiLog{rt: http.DefaultTransport, names: map[string]string{}}
	sink := &logSink{}
	logger := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelInfo}))
	g := newRig(t, l, api)
	g.srv = l.start()
	t.Cleanup(func() {
		if g.srv.cmd.ProcessState == nil {
			l.stop(g.srv, syscall.SIGTERM)
		}
	})
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "devcheck-connect", Mode: inngest.ModeDev, DevServerURL: base,
		HTTPClient: &http.Client{Transport: api, Timeout: 30 * time.Second}, Logger: logger})
	require.NoError(t, err)
	w, err := connect.New(client, connect.Options{InstanceID: "dev-connect-1", Logger: logger, OnReady: g.ready.on}, g.fns(client)...)
	require.NoError(t, err)
	wctx, wcancel := context.WithCancel(context.Background())
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() {
		wcancel()
		select {
		case err := <-wdone:
			require.NoError(t, err)
		case <-time.After(time.Minute):
			t.Error("the worker did not stop")
		}
	}()
	require.Eventually(t, w.Ready, time.Minute, 50*time.Millisecond)
	time.Sleep(2 * time.Second)
	var obs []ConnectObservation
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		obs = append(obs, g.round(client, sig, "dev-", sink, 90*time.Second))
	}
	b, err := json.MarshalIndent(map[string]any{
		"about":        "inngest dev --persist restarted while a Connect worker's run sleeps (20 s) and another is 2 s into a 12 s step; recorded by internal/realserver/prodcheck TestDevConnectRestart",
		"server":       "inngest dev --persist --sqlite-dir --no-discovery --no-poll --tick 50 (" + env("REALSERVER_COMMIT", "source at /work/rs/src") + ")",
		"observations": obs,
	}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/dev-connect-restarts.json", append(b, '\n'), 0o644))
	for _, o := range obs {
		// The worker always comes back; whether the runs do is what is recorded.
		require.NotEqual(t, "never", o.WorkerReadyAfter, o.Round)
	}
}

// TestProductionConnectSQLite does TestProductionConnect's restarts on the
// single-machine setup, `inngest start --sqlite-dir` with no --redis-uri
// (the queue in an in-process Redis), and records what survives to
// testdata/realserver/production-sqlite-connect-restarts.json:
//
//	go test -tags realserver -run TestProductionConnectSQLite -v -timeout 20m ./internal/realserver/prodcheck/
func TestProductionConnectSQLite(t *testing.T) {
	bin := env("INNGEST_BIN", "/work/rs/bin/inngest")
	var port int
	_, err := fmt.Sscan(env("PROD_PORT", "9170"), &port)
	require.NoError(t, err)
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	key := hex.EncodeToString(kb)
	eventKey := hex.EncodeToString(kb[:16])
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := t.TempDir()
	l := &launcher{t: t, bin: bin, home: home, port: port, base: base, key: key,
		args: []string{"start", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
			"--signing-key", key, "--event-key", eventKey, "--sqlite-dir", home + "/db",
			"--connect-gateway-port", fmt.Sprint(port + 1), "--connect-gateway-grpc-port", fmt.Sprint(port + 2),
			"--connect-executor-grpc-port", fmt.Sprint(port + 3), "--tick", "50"}}
	api := &apiLog{rt: http.DefaultTransport, names: map[string]string{"Bearer " + wire.HashSigningKey(key): "server's key"}}
	sink := &logSink{}
	logger := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelInfo}))
	g := newRig(t, l, api)
	g.srv = l.start()
	t.Cleanup(func() {
		if g.srv.cmd.ProcessState == nil {
			l.stop(g.srv, syscall.SIGTERM)
		}
	})
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "sqlitecheck-connect", Mode: inngest.ModeCloud,
		SigningKey: key, EventKey: eventKey, BaseURL: base,
		HTTPClient: &http.Client{Transport: api, Timeout: 30 * time.Second}, Logger: logger})
	require.NoError(t, err)
	w, err := connect.New(client, connect.Options{InstanceID: "sqlite-connect-1", Logger: logger, OnReady: g.ready.on}, g.fns(client)...)
	require.NoError(t, err)
	wctx, wcancel := context.WithCancel(context.Background())
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() {
		wcancel()
		select {
		case err := <-wdone:
			require.NoError(t, err)
		case <-time.After(time.Minute):
			t.Error("the worker did not stop")
		}
	}()
	require.Eventually(t, w.Ready, time.Minute, 50*time.Millisecond)
	time.Sleep(2 * time.Second)
	var obs []ConnectObservation
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		obs = append(obs, g.round(client, sig, "sqlite-", sink, 90*time.Second))
	}
	b, err := json.MarshalIndent(map[string]any{
		"about":        "inngest start with SQLite and no --redis-uri (in-process Redis) restarted while a Connect worker's run sleeps (20 s) and another is 2 s into a 12 s step; recorded by internal/realserver/prodcheck TestProductionConnectSQLite",
		"server":       "inngest start --sqlite-dir --signing-key --event-key --tick 50 (" + env("REALSERVER_COMMIT", "source at /work/rs/src") + ")",
		"observations": obs,
	}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/production-sqlite-connect-restarts.json", append(b, '\n'), 0o644))
	for _, o := range obs {
		require.NotEqual(t, "never", o.WorkerReadyAfter, o.Round)
	}
}
