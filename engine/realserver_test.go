package engine_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/scenarios"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// replayTick is how far the replay moves the virtual clock at a time; the dev
// server recorded polls its queue every 50 ms as well.
const replayTick = 50 * time.Millisecond

// virtualRuntime is the replay's scenarios.Runtime: Hold blocks until the test
// has moved the virtual clock far enough, and counts as a call that is quiet on
// purpose.
type virtualRuntime struct {
	clk   *engine.VirtualClock
	mu    sync.Mutex
	holds map[*hold]struct{}
}

type hold struct {
	until time.Time
	done  chan struct{}
}

func (v *virtualRuntime) Now() time.Time { return v.clk.Now() }

func (v *virtualRuntime) Hold(ctx context.Context, d time.Duration) {
	v.mu.Lock()
	h := &hold{until: v.clk.Now().Add(d), done: make(chan struct{})}
	v.holds[h] = struct{}{}
	v.mu.Unlock()
	select {
	case <-h.done:
	case <-ctx.Done():
		v.mu.Lock()
		delete(v.holds, h)
		v.mu.Unlock()
	}
}

// release ends the holds due at now; they stop counting at once.
func (v *virtualRuntime) release(now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for h := range v.holds {
		if !h.until.After(now) {
			delete(v.holds, h)
			close(h.done)
		}
	}
}

func (v *virtualRuntime) holding() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.holds)
}

// settle waits until the engine has nothing left to do at the current virtual
// time but wait for holding calls or later timers.
func settle(t *testing.T, eng *engine.Engine, rt *virtualRuntime) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	quiet := 0
	for quiet < 3 { // three looks in a row: a call handing over to the next is not quiet
		if engine.QuietForTest(eng, rt.holding()) {
			quiet++
		} else {
			quiet = 0
		}
		require.True(t, time.Now().Before(deadline), "engine never settled at %s", eng.Now())
		time.Sleep(50 * time.Microsecond)
	}
}

// replayScenario runs s on a fresh engine with a virtual clock, driving the same
// functions (through the real serve handler) and sending the same events at the
// same offsets as the recorder did, and reads the outcome through the engine's run
// API.
func replayScenario(t *testing.T, s *scenarios.Scenario) *scenarios.Recording {
	t.Helper()
	ctx := context.Background()
	clk := engine.NewVirtualClock(t0)
	eng, err := engine.New(engine.Options{Clock: clk, Store: memstore.NewChecked()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	api := httptest.NewServer(eng.Handler())
	t.Cleanup(api.Close)

	rt := &virtualRuntime{clk: clk, holds: map[*hold]struct{}{}}
	obs := scenarios.NewObserver(rt)
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: s.AppID(), Mode: inngest.ModeDev, BaseURL: api.URL})
	require.NoError(t, err)
	fns, err := s.Build(client, rt, obs)
	require.NoError(t, err)
	srv, err := serve.New(client, serve.Options{}, fns...)
	require.NoError(t, err)
	app := httptest.NewServer(srv)
	t.Cleanup(app.Close)
	require.NoError(t, srv.Register(ctx, app.URL))

	col := &scenarios.Collector{BaseURL: api.URL, Scenario: s, Observer: obs, T0: t0, EventIDs: make([]string, len(s.Events))}
	rec := &scenarios.Recording{Scenario: s.Name, About: s.About, Events: make([]scenarios.SentEvent, len(s.Events))}
	groups := s.Groups()
	horizon := t0.Add(s.Horizon())
	limit := horizon.Add(2 * time.Minute)
	for next := 0; ; {
		now := clk.Now()
		for next < len(groups) && !t0.Add(groups[next].At).After(now) {
			g := groups[next]
			ids, err := s.Perform(ctx, client, api.URL, g, col.EventIDs)
			require.NoError(t, err)
			for k, i := range g.Indexes {
				data := s.DataJSON(i)
				rec.Events[i] = scenarios.SentEvent{Index: i, Name: s.Events[i].Name, Data: data, OffsetMS: now.Sub(t0).Milliseconds(), ID: ids[k]}
				col.EventIDs[i] = ids[k]
			}
			next++
		}
		settle(t, eng, rt)
		if next == len(groups) && !now.Before(horizon) && allFinal(eng) {
			break
		}
		require.True(t, now.Before(limit), "runs still not final 2 minutes after the horizon")
		clk.Advance(replayTick)
		rt.release(clk.Now())
	}
	runs, done, err := col.Collect(ctx)
	require.NoError(t, err)
	require.True(t, done, "every run final")
	rec.Runs = runs
	rec.Sort()
	return rec
}

func allFinal(eng *engine.Engine) bool {
	for _, r := range must(eng.Runs()) {
		if !r.Status.Done() {
			return false
		}
	}
	return true
}

// loadRecording reads testdata/realserver/<name>.json at the module's root.
func loadRecording(t *testing.T, name string) *scenarios.Recording {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "realserver", name+".json"))
	require.NoError(t, err, "recording of scenario %s (make it with internal/realserver/record)", name)
	var rec scenarios.Recording
	require.NoError(t, json.Unmarshal(b, &rec))
	require.Equal(t, name, rec.Scenario)
	return &rec
}

// knownDiffs lists, per scenario, the differences from the recording that the
// engine keeps on purpose (engine/README.md says why), as prefixes of Diff's
// lines. Every listed prefix must still show up: a fixed difference must leave
// the list.
var knownDiffs = map[string][]string{
	// The dev server's queue holds a run of another key behind the run waiting
	// for its key's slot (head-of-line blocking); the engine starts it at once.
	"concurrency": {"per-key run 2 (events [2]): start at", "per-key run 2 (events [2]): end at"},
	// Same with an env-scoped key, where the dev server also picked the waiting
	// run up about 2 s after the slot freed (its queue backs off a limited
	// partition); the engine starts it when the slot frees.
	"concurrency-env": {"second run 0 (events [1]): start at", "second run 0 (events [1]): end at",
		"second run 1 (events [2]): start at", "second run 1 (events [2]): end at"},
	// The dev server started runs in arrival order whatever their priority;
	// the engine lets the higher priority take the slot first.
	"priority": {"prioritized run 1 (events [1]): start at", "prioritized run 1 (events [1]): end at",
		"prioritized run 2 (events [2]): start at", "prioritized run 2 (events [2]): end at"},
	"priority-wide": {"prioritized run 1 (events [1]): start at", "prioritized run 1 (events [1]): end at",
		"prioritized run 2 (events [2]): start at", "prioritized run 2 (events [2]): end at"},
	// The dev server started a batch filled by events of separate requests at
	// its timeout (a batch filled within one request at once,
	// batch-one-request); the engine starts a full batch at once.
	"batch":        {"batched run 0 (events [0 1 2]): start at", "batched run 0 (events [0 1 2]): end at"},
	"batch-spaced": {"batched run 0 (events [0 1 2]): start at", "batched run 0 (events [0 1 2]): end at"},
}

// unexpected returns the diffs no known prefix explains, and the known
// prefixes no diff matched.
func unexpected(diffs, known []string) (extra, stale []string) {
	used := make([]bool, len(known))
	for _, d := range diffs {
		ok := false
		for i, k := range known {
			if strings.HasPrefix(d, k) {
				ok, used[i] = true, true
			}
		}
		if !ok {
			extra = append(extra, d)
		}
	}
	for i, k := range known {
		if !used[i] {
			stale = append(stale, k)
		}
	}
	return extra, stale
}

// TestRealServerReplay replays every recorded scenario of the real server on the
// engine and compares the outcomes: which events produced runs, of which function,
// their statuses, the events each run received and is listed under in the run API,
// outputs, and start and end offsets within the scenario's tolerance.
func TestRealServerReplay(t *testing.T) {
	t.Parallel()
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			want := loadRecording(t, s.Name)
			got := replayScenario(t, s)
			extra, stale := unexpected(scenarios.Diff(s, want, got), knownDiffs[s.Name])
			if len(extra) > 0 {
				b, _ := json.MarshalIndent(got.Runs, "", "  ")
				t.Logf("engine runs:\n%s", b)
			}
			require.Empty(t, extra, "engine differs from the real server (testdata/realserver/%s.json)", s.Name)
			require.Empty(t, stale, "known differences that no longer show up: remove them from knownDiffs")
		})
	}
}
