//go:build load

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

var (
	flagClients  = flag.Int("load.clients", envInt("LOAD_CLIENTS", 200), "concurrent clients (env LOAD_CLIENTS)")
	flagDuration = flag.Duration("load.duration", envDuration("LOAD_DURATION", 0), "test duration (env LOAD_DURATION; default 60s, 5s with -short)")
	flagMaxMemo  = flag.Int("load.maxmemo", envInt("LOAD_MAX_MEMO", 50), "most memoized steps replayed by a call (env LOAD_MAX_MEMO)")
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

type loadEvent struct {
	N int `json:"n"`
}

var loadEvents = events.Define[loadEvent]("load/steps.run")

// stepsFn runs event.data.n steps "s" (hashed "s", "s:1", ...), each returning its index.
func stepsFn(t *testing.T, c *inngest.Client) inngest.ServableFunction {
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent(loadEvents),
		func(ctx context.Context, in inngest.Input[loadEvent]) (int, error) {
			sum := 0
			for i := range in.Event.Data.N {
				v, err := step.Run(ctx, "s", func(context.Context) (int, error) { return i, nil })
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
	require.NoError(t, err)
	return fn
}

// callBody is a call to stepsFn with memo memoized steps and n steps in all:
// n == memo replays everything and completes (200); n == memo+1 runs one fresh
// step (206).
func callBody(memo, n int) []byte {
	steps := make(map[string]json.RawMessage, memo)
	stack := make([]string, memo)
	for i := range memo {
		id := wire.HashID("s", i)
		steps[id] = json.RawMessage(`{"data":` + strconv.Itoa(i) + `}`)
		stack[i] = id
	}
	ev := json.RawMessage(`{"name":"load/steps.run","data":{"n":` + strconv.Itoa(n) + `},"id":"01JLOAD","ts":1767225600000}`)
	b, _ := json.Marshal(map[string]any{
		"ctx":     map[string]any{"run_id": "01JLOADRUN", "attempt": 0, "fn_id": "f", "stack": map[string]any{"stack": stack, "current": memo}},
		"event":   ev,
		"events":  []json.RawMessage{ev},
		"steps":   steps,
		"version": 2,
	})
	return b
}

type stats struct {
	requests, failures int
	lat                map[string][]time.Duration
	firstErr           string
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func settledGoroutines(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > limit; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func TestLoad(t *testing.T) {
	clients := *flagClients
	dur := *flagDuration
	if dur == 0 {
		dur = 60 * time.Second
		if testing.Short() {
			dur = 5 * time.Second
		}
	}
	goroutinesBefore := runtime.NumGoroutine()
	heapStart := heapInUse()

	// The SDK app: checkpointing off, nothing to reach outside loopback.
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "load", Mode: inngest.ModeDev,
		BaseURL: "http://127.0.0.1:1", Logger: slog.New(slog.DiscardHandler),
		Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, stepsFn(t, client))
	require.NoError(t, err)
	app := httptest.NewServer(h)
	// The engine: its event API only (no app synced, events are stored).
	eng, err := engine.New(engine.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients * 2
	tr.MaxIdleConnsPerHost = clients * 2
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// Pre-built bodies: memo 0..maxMemo, replay-only and fresh-step variants.
	maxMemo := *flagMaxMemo
	replay := make([][]byte, maxMemo+1)
	fresh := make([][]byte, maxMemo+1)
	for k := range maxMemo + 1 {
		replay[k], fresh[k] = callBody(k, k), callBody(k, k+1)
	}
	callURL := app.URL + "/api/inngest?fnId=load-steps&stepId=step"
	eventURL := api.URL + "/e/key"

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var mu sync.Mutex
	st := stats{lat: map[string][]time.Duration{}}
	var heapMid uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-time.After(dur / 2):
			heapMid = heapInUse()
		case <-ctx.Done():
		}
	})
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			local := stats{lat: map[string][]time.Duration{}}
			for i := 0; ctx.Err() == nil; i++ {
				var url, kind string
				var body []byte
				want := http.StatusOK
				switch {
				case c%5 == 0: // one client in five sends events
					kind, url = "event", eventURL
					body = []byte(`{"name":"load/steps.run","data":{"n":` + strconv.Itoa(i) + `}}`)
				case rng.IntN(2) == 0:
					k := rng.IntN(maxMemo + 1)
					kind, url, body = "replay", callURL, replay[k]
				default:
					k := rng.IntN(maxMemo + 1)
					kind, url, body, want = "fresh", callURL, fresh[k], http.StatusPartialContent
				}
				t0 := time.Now()
				resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
				if err != nil && ctx.Err() != nil {
					break
				}
				local.requests++
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != want {
						err = fmt.Errorf("%s: status %d", kind, resp.StatusCode)
					}
				}
				if err != nil {
					local.failures++
					if local.firstErr == "" {
						local.firstErr = err.Error()
					}
					continue
				}
				local.lat[kind] = append(local.lat[kind], time.Since(t0))
			}
			mu.Lock()
			st.requests += local.requests
			st.failures += local.failures
			if st.firstErr == "" {
				st.firstErr = local.firstErr
			}
			for k, v := range local.lat {
				st.lat[k] = append(st.lat[k], v...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	heapEnd := heapInUse()
	events := len(must(eng.Runs())) // no function is synced: events start no runs

	require.NoError(t, eng.Close())
	api.Close()
	app.Close()
	tr.CloseIdleConnections()
	goroutinesAfter := settledGoroutines(goroutinesBefore)
	heapAfter := heapInUse()

	var all []time.Duration
	for _, v := range st.lat {
		all = append(all, v...)
	}
	t.Logf("clients %d, duration %s, requests %d (%.0f/s), failures %d %s",
		clients, elapsed.Round(time.Millisecond), st.requests, float64(st.requests)/elapsed.Seconds(), st.failures, st.firstErr)
	for _, k := range []string{"replay", "fresh", "event"} {
		t.Logf("%-6s n=%-8d p50 %-10s p99 %s", k, len(st.lat[k]), pct(st.lat[k], 0.50), pct(st.lat[k], 0.99))
	}
	t.Logf("all    n=%-8d p50 %-10s p99 %s", len(all), pct(all, 0.50), pct(all, 0.99))
	t.Logf("goroutines before %d, after %d", goroutinesBefore, goroutinesAfter)
	t.Logf("heap in use: start %.1f MB, middle %.1f MB, end %.1f MB, after close %.1f MB (runs started %d: no app is synced, events are only stored)",
		mb(heapStart), mb(heapMid), mb(heapEnd), mb(heapAfter), events)
	require.Zero(t, st.failures, st.firstErr)
	require.LessOrEqual(t, goroutinesAfter, goroutinesBefore, "goroutine leak")
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
