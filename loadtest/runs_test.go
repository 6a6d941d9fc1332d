//go:build load

package loadtest

import (
	"context"
	"flag"
	"fmt"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	"github.com/seed-b02f2472/inngest-go/internal/cputime"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

var (
	flagRuns    = flag.Int("load.runs", envInt("LOAD_RUNS", 0), "runs per scenario (env LOAD_RUNS; default 3000, 500 with -short)")
	flagSenders = flag.Int("load.senders", envInt("LOAD_SENDERS", 64), "concurrent senders, each sending one event and waiting for its run (env LOAD_SENDERS)")
	flagOnly    = flag.String("load.only", os.Getenv("LOAD_ONLY"), "run only the scenarios whose name contains this (env LOAD_ONLY)")
	flagPaced   = flag.Float64("load.paced", 0, "rate (runs/s) of the open loop that measures latency; 0: half the closed loop's rate")
)

type runData struct {
	Seq int64 `json:"seq"`
	K   int64 `json:"k"`
}

var (
	runEvents    = events.Define[runData]("load/run.start")
	resumeEvents = events.Define[runData]("load/run.resume")
)

// tracker links a sent event (by its seq) to its function's progress.
type tracker struct {
	mu      sync.Mutex
	started map[int64]chan string   // run ID, sent when the first step runs
	done    map[int64]chan struct{} // closed when the function returns
	runIDs  []string                // every run that started, once each
}

func newTracker() *tracker {
	return &tracker{started: map[int64]chan string{}, done: map[int64]chan struct{}{}}
}

func (tr *tracker) add(seq int64) (chan string, chan struct{}) {
	s, d := make(chan string, 1), make(chan struct{})
	tr.mu.Lock()
	tr.started[seq], tr.done[seq] = s, d
	tr.mu.Unlock()
	return s, d
}

func (tr *tracker) start(seq int64, runID string) {
	tr.mu.Lock()
	s := tr.started[seq]
	if s != nil {
		tr.runIDs = append(tr.runIDs, runID)
	}
	delete(tr.started, seq)
	tr.mu.Unlock()
	if s != nil {
		s <- runID
	}
}

func (tr *tracker) finish(seq int64) {
	tr.mu.Lock()
	d := tr.done[seq]
	delete(tr.done, seq)
	tr.mu.Unlock()
	if d != nil {
		close(d)
	}
}

// scenario is one function shape of the load test.
type scenario struct {
	name       string
	checkpoint bool
	wait       bool // step, then a wait for load/resume matching seq, then return
	concurrent bool // three steps under a concurrency limit of 4 per key (8 keys)
}

var scenarios = []scenario{
	{name: "steps3/checkpoint=on", checkpoint: true},
	{name: "steps3/checkpoint=off"},
	{name: "wait", checkpoint: true, wait: true},
	{name: "concurrency-key", checkpoint: true, concurrent: true},
}

func (sc scenario) function(t *testing.T, c *inngest.Client, tr *tracker) inngest.ServableFunction {
	opts := inngest.FunctionOpts{ID: "load"}
	if sc.concurrent {
		opts.Concurrency = []inngest.Concurrency{{Limit: 4, Key: "event.data.k"}}
	}
	fn, err := inngest.NewFunction(c, opts, inngest.OnEvent(runEvents),
		func(ctx context.Context, in inngest.Input[runData]) (int64, error) {
			seq := in.Event.Data.Seq
			sum := int64(0)
			for i, id := range []string{"a", "b", "c"} {
				v, err := step.Run(ctx, id, func(context.Context) (int64, error) {
					if i == 0 {
						tr.start(seq, in.RunID)
					}
					return int64(i), nil
				})
				if err != nil {
					return 0, err
				}
				sum += v
				if sc.wait {
					if _, ok, err := step.WaitForEvent(ctx, "w", resumeEvents, time.Hour,
						step.WaitOpts{If: "async.data.seq == event.data.seq"}); err != nil || !ok {
						return 0, fmt.Errorf("wait: matched %v, %w", ok, err)
					}
					break
				}
			}
			tr.finish(seq)
			return sum, nil
		})
	require.NoError(t, err)
	return fn
}

// rig is an engine and one synced app over loopback HTTP.
type rig struct {
	eng    *engine.Engine
	client *inngest.Client
	tr     *tracker
	calls  atomic.Int64
	// conns counts TCP connections accepted by the engine's and the app's
	// servers (connection reuse: a few per sender, not one per request).
	conns atomic.Int64
	close func()
}

func newRig(t *testing.T, sc scenario, sqlite bool) *rig {
	opts := engine.Options{Logger: slog.New(slog.DiscardHandler)}
	var st *sqlitestore.Store
	if sqlite {
		var err error
		st, err = sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
		require.NoError(t, err)
		opts.Store = st
	}
	eng, err := engine.New(opts)
	require.NoError(t, err)
	r := &rig{eng: eng, tr: newTracker()}
	api := r.server(eng.Handler())
	// The SDK's default HTTPClient: its transport keeps enough idle
	// connections per host for the senders and checkpoints to reuse them.
	r.client, err = inngest.NewClient(inngest.ClientOptions{AppID: "load", Mode: inngest.ModeDev,
		BaseURL: api.URL, Logger: slog.New(slog.DiscardHandler),
		Checkpoint: inngest.CheckpointOptions{Disabled: !sc.checkpoint}})
	require.NoError(t, err)
	h, err := serve.New(r.client, serve.Options{}, sc.function(t, r.client, r.tr))
	require.NoError(t, err)
	app := r.server(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		h.ServeHTTP(w, req)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, eng.Sync(ctx, app.URL+"/api/inngest"))
	r.close = func() {
		require.NoError(t, eng.Close())
		if st != nil {
			require.NoError(t, st.Close())
		}
		api.Close()
		app.Close()
	}
	return r
}

// server starts a loopback server that counts the connections it accepts.
func (r *rig) server(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			r.conns.Add(1)
		}
	}
	srv.Start()
	return srv
}

// one sends the event of run seq, resumes its wait if the scenario has one,
// and returns when the function has returned.
func (r *rig) one(ctx context.Context, sc scenario, seq int64) error {
	started, done := r.tr.add(seq)
	data := runData{Seq: seq, K: seq % 8}
	if _, err := r.client.Send(ctx, runEvents.New(data)); err != nil {
		return err
	}
	if sc.wait {
		var runID string
		select {
		case runID = <-started:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Poll (bounded by ctx) until the engine has stored the wait.
		for {
			if run, err := r.eng.Run(runID); err == nil && len(run.Waits) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("run %s never waited: %w", runID, ctx.Err())
			case <-time.After(time.Millisecond):
			}
		}
		if _, err := r.client.Send(ctx, resumeEvents.New(data)); err != nil {
			return err
		}
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("run %d: %w", seq, ctx.Err())
	}
}

// waitAllDone waits until every run that started has completed in the
// engine, and checks there are n of them.
func (r *rig) waitAllDone(t *testing.T, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.tr.mu.Lock()
	ids := slices.Clone(r.tr.runIDs)
	r.tr.mu.Unlock()
	require.Len(t, ids, n, "runs started")
	for _, id := range ids {
		run, err := r.eng.WaitForRun(ctx, id)
		require.NoError(t, err)
		require.Equal(t, runtype.StatusCompleted, run.Status, "run %s: %v", id, run.Error)
	}
}

// closedLoop runs n runs with senders concurrent senders; it returns the
// latency of each run (send to function return).
func (r *rig) closedLoop(t *testing.T, sc scenario, first int64, n, senders int) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	next := atomic.Int64{}
	next.Store(first)
	lat := make([]time.Duration, n)
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for {
				seq := next.Add(1) - 1
				if seq >= first+int64(n) {
					return
				}
				t0 := time.Now()
				if err := r.one(ctx, sc, seq); err != nil {
					errs <- err
					cancel()
					return
				}
				lat[seq-first] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	close(errs)
	require.NoError(t, <-errs)
	return lat
}

// paced starts n runs at rate runs/s (open loop) and returns their latencies.
func (r *rig) paced(t *testing.T, sc scenario, first int64, n int, rate float64) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lat := make([]time.Duration, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d) // pacing the sender, not waiting for a condition
		}
		wg.Go(func() {
			t0 := time.Now()
			if err := r.one(ctx, sc, first+int64(i)); err != nil {
				errs <- err
				return
			}
			lat[i] = time.Since(t0)
		})
	}
	wg.Wait()
	close(errs)
	require.NoError(t, <-errs)
	return lat
}

// TestLoadRuns runs functions on the embedded engine, synced over loopback
// HTTP, for each scenario and store: a closed loop of senders (throughput),
// then an open loop at half the measured rate (latency).
func TestLoadRuns(t *testing.T) {
	n := *flagRuns
	if n == 0 {
		n = 3000
		if testing.Short() {
			n = 500
		}
	}
	for _, store := range []string{"memory", "sqlite"} {
		for _, sc := range scenarios {
			name := store + "/" + sc.name
			if *flagOnly != "" && !strings.Contains(name, *flagOnly) {
				continue
			}
			t.Run(name, func(t *testing.T) {
				goroutinesBefore := runtime.NumGoroutine()
				heapBefore := heapInUse()
				r := newRig(t, sc, store == "sqlite")

				start, cpu0 := time.Now(), cputime.Process()
				lat := r.closedLoop(t, sc, 0, n, *flagSenders)
				r.waitAllDone(t, n)
				elapsed, cpu := time.Since(start), cputime.Process()-cpu0
				calls, conns := r.calls.Load(), r.conns.Load()
				rate := float64(n) / elapsed.Seconds()

				half := max(n/2, 1)
				pacedRate := rate / 2
				if *flagPaced > 0 {
					pacedRate = *flagPaced
				}
				paced := r.paced(t, sc, int64(n), half, pacedRate)
				r.waitAllDone(t, n+half)
				heapEnd := heapInUse()
				r.close()
				goroutinesAfter := settledGoroutines(goroutinesBefore)

				t.Logf("%-36s runs %d in %s: %.0f runs/s, %.0f calls/s (%.1f calls/run); %d TCP connections; CPU %.0f µs/run (%.0f runs per CPU-second); latency p50 %s p99 %s; "+
					"at %.0f runs/s: p50 %s p99 %s; heap %.1f MB (%.0f B/run held); goroutines %d before, %d after",
					name, n, elapsed.Round(time.Millisecond), rate, float64(calls)/elapsed.Seconds(), float64(calls)/float64(n), conns,
					float64(cpu.Microseconds())/float64(n), float64(n)/cpu.Seconds(),
					pct(lat, 0.50).Round(10*time.Microsecond), pct(lat, 0.99).Round(10*time.Microsecond),
					pacedRate, pct(paced, 0.50).Round(10*time.Microsecond), pct(paced, 0.99).Round(10*time.Microsecond),
					mb(heapEnd), float64(heapEnd-min(heapBefore, heapEnd))/float64(n+half),
					goroutinesBefore, goroutinesAfter)
				require.LessOrEqual(t, goroutinesAfter, goroutinesBefore, "goroutine leak")
			})
		}
	}
}
