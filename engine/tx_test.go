package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// flakyTxStore is a SQLite store whose transactions fail the next failRuns
// SaveRun calls, and the first SaveRun of a run holding step failMemo's
// result, so that the engine must roll back whole sections.
type flakyTxStore struct {
	*sqlitestore.Store
	failRuns atomic.Int32
	failMemo atomic.Pointer[string]
}

func (f *flakyTxStore) Tx(ctx context.Context, fn func(enginestore.Store) error) error {
	return f.Store.Tx(ctx, func(s enginestore.Store) error { return fn(flakyTx{Store: s, f: f}) })
}

type flakyTx struct {
	enginestore.Store
	f *flakyTxStore
}

func (s flakyTx) SaveRun(ctx context.Context, r *enginestore.RunRecord) error {
	if s.f.failRuns.Add(-1) >= 0 {
		return errors.New("disk full")
	}
	if p := s.f.failMemo.Load(); p != nil && slices.ContainsFunc(r.Memo, func(m enginestore.MemoEntry) bool { return m.ID == *p }) &&
		s.f.failMemo.CompareAndSwap(p, nil) {
		return errors.New("disk full")
	}
	return s.Store.SaveRun(ctx, r)
}

func newFlakyTxStore(t *testing.T) *flakyTxStore {
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return &flakyTxStore{Store: st}
}

func TestTxIngestIsAtomic(t *testing.T) {
	t.Parallel()
	st := newFlakyTxStore(t)
	h := newHarness(t, engine.Options{Store: st}, func(c call) reply { return ok(`"done"`) })
	h.mustRegister(h.fn("tx", nil))
	seed := wire.NewEventIDSeed(t0)
	ids, err := wire.EventIDsFromSeed(seed, 1)
	require.NoError(t, err)
	body := []byte(`{"name":"test/tx"}`)

	// The run cannot be saved: the event is not kept either, and /e says 500.
	st.failRuns.Store(1)
	status, out := h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
	require.Equal(t, 500, status, "%v", out)
	_, err = st.Event(t.Context(), ids[0])
	require.ErrorIs(t, err, enginestore.ErrNotFound, "SaveEvent was rolled back with SaveRun")
	timers, err := st.Timers(t.Context())
	require.NoError(t, err)
	require.Empty(t, timers, "the first call's timer was rolled back")
	require.True(t, h.eng.Idle(), "nothing left in the in-memory queue")

	// The SDK's retry (same seed) is accepted and runs once.
	status, out = h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
	require.Equal(t, 200, status, "%v", out)
	require.Equal(t, []any{ids[0]}, out["ids"])
	runs := h.waitRuns(ids[0], 1)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	require.Len(t, h.app.Calls(), 1)
}

func TestTxStepResultAndWakeUpRollBack(t *testing.T) {
	t.Parallel()
	st := newFlakyTxStore(t)
	stepA := wire.HashID("a", 0)
	nap := wire.HashID("nap", 0)
	var n atomic.Int32
	h := newHarness(t, engine.Options{Store: st}, func(c call) reply {
		n.Add(1)
		steps := c.steps()
		if _, ok := steps[stepA]; !ok {
			if n.Load() == 1 {
				st.failRuns.Store(1) // this result will not be stored
			}
			return ops(`{"op":"StepRun","id":"` + stepA + `","name":"a","data":1}`)
		}
		if _, ok := steps[nap]; !ok {
			st.failMemo.Store(&nap) // the wake-up will not be stored
			return ops(`{"op":"Sleep","id":"` + nap + `","name":"nap","opts":{"duration":"1h"}}`)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("tx", nil))
	id := h.send("test/tx", map[string]any{})
	run := h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)

	calls := h.app.Calls()
	require.Len(t, calls, 4, "the call whose result was rolled back is made again")
	require.Equal(t, calls[0].ctx()["job_id"], calls[1].ctx()["job_id"])
	require.Equal(t, calls[0].ctx()["attempt"], calls[1].ctx()["attempt"])
	require.Empty(t, calls[1].steps())
	require.Len(t, run.Steps, 2)
	require.Equal(t, 1, run.Steps[0].Attempts, "the rolled-back result was not counted")
	var woke []time.Time
	for _, it := range run.History {
		if it.Kind == "sleep" && it.Detail == "woke up" {
			woke = append(woke, it.Time)
		}
	}
	// The retried call ran at 1 s and the sleep ended at 1 h 1 s; the wake-up
	// failed then and succeeded a second later.
	require.Equal(t, []time.Time{t0.Add(time.Hour + 2*time.Second)}, woke, "woken once, a second after the failed wake-up")
	waitUntil(t, h.eng.Idle)
	timers, err := st.Timers(t.Context())
	require.NoError(t, err)
	require.Empty(t, timers)
}

// gatewayApp is a fake app whose function makes one step.fetch of fetchURL
// and returns the fetched body.
func gatewayApp(fetchURL string) func(c call) reply {
	fetch := wire.HashID("fetch", 0)
	return func(c call) reply {
		v, found := c.steps()[fetch]
		if !found {
			return ops(`{"op":"Gateway","id":"` + fetch + `","name":"fetch","opts":{"url":"` + fetchURL + `","method":"GET"}}`)
		}
		data, _ := v.(map[string]any)["data"].(map[string]any)
		body, _ := json.Marshal(data["body"])
		return ok(string(body))
	}
}

func TestTxGatewayResultRollbackDoesNotStrandTheRun(t *testing.T) {
	t.Parallel()
	st := newFlakyTxStore(t)
	var fetches atomic.Int32
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		_, _ = io.WriteString(w, "pong")
	}))
	t.Cleanup(remote.Close)
	fetch := wire.HashID("fetch", 0)
	st.failMemo.Store(&fetch) // storing the fetched result fails once
	h := newHarness(t, engine.Options{Store: st}, gatewayApp(remote.URL))
	h.mustRegister(h.fn("gw", nil))
	id := h.send("test/gw", map[string]any{})
	ctx, cancel := context.WithTimeout(t.Context(), waitBound)
	defer cancel()
	runs, err := h.eng.WaitForEventRuns(ctx, id, 1)
	require.NoError(t, err, "the run is left Running after the fetch result's transaction rolled back")
	done := runs[0]
	require.Equal(t, runtype.StatusCompleted, done.Status)
	require.JSONEq(t, `"pong"`, string(done.Output))
	require.Nil(t, st.failMemo.Load(), "the injected failure happened")
	require.Equal(t, int32(1), fetches.Load(), "the result is applied again, not fetched again")
	waitUntil(t, h.eng.Idle)
	timers, err := st.Timers(t.Context())
	require.NoError(t, err)
	require.Empty(t, timers)
}

func TestGatewayInFlightResumesAfterRestart(t *testing.T) {
	t.Parallel()
	st := memstore.NewChecked()
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	var fetches atomic.Int32
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) == 1 {
			entered <- struct{}{}
			select { // the first engine dies while this request is in flight
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, "second")
	}))
	t.Cleanup(remote.Close)
	t.Cleanup(func() { close(release) })
	clk := engine.NewVirtualClock(t0)
	clk.SetAutoAdvance(true)
	h := newHarness(t, engine.Options{Store: st, Clock: clk}, gatewayApp(remote.URL))
	h.mustRegister(h.fn("gw", nil))
	id := h.send("test/gw", map[string]any{})
	<-entered
	require.NoError(t, h.eng.Close())
	runs, err := st.RunsForEvent(t.Context(), id)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	run := runs[0]

	// A new engine on the same store makes the request again.
	eng, err := engine.New(engine.Options{Store: st, Clock: clk})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.Equal(t, runtype.StatusRunning, run.Status)
	ctx, cancel := context.WithTimeout(t.Context(), waitBound)
	defer cancel()
	done, err := eng.WaitForRun(ctx, run.ID)
	require.NoError(t, err, "the step.fetch in flight at the crash was never made again")
	require.Equal(t, runtype.StatusCompleted, done.Status)
	require.JSONEq(t, `"second"`, string(done.Output))
	require.Equal(t, int32(2), fetches.Load())
}

func TestTxRollbackUndoesFlowControlState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   map[string]any
	}{
		{"rate limit", map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "1h"}}},
		{"idempotency", map[string]any{"idempotency": "event.data.user"}},
		{"debounce", map[string]any{"debounce": map[string]any{"period": "2s"}}},
		{"batch", map[string]any{"batchEvents": map[string]any{"maxSize": 3, "timeout": "5s"}}},
		{"throttle", map[string]any{"throttle": map[string]any{"limit": 1, "period": "1h"}}},
		{"singleton", map[string]any{"singleton": map[string]any{"mode": "skip"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newFlakyTxStore(t)
			h := newHarness(t, engine.Options{Store: st}, echo)
			h.mustRegister(h.fn("f", tt.fn))
			seed := wire.NewEventIDSeed(t0)
			ids, err := wire.EventIDsFromSeed(seed, 2)
			require.NoError(t, err)
			body := []byte(`[{"name":"test/f","data":{"user":"u1","n":1}},{"name":"test/f","data":{"user":"u1","n":2}}]`)
			if tt.name == "rate limit" || tt.name == "idempotency" || tt.name == "throttle" || tt.name == "singleton" {
				body = []byte(`{"name":"test/f","data":{"user":"u1","n":1}}`)
			}
			// The first run cannot be saved (for debounce and batch: when the
			// buffer is flushed), so the section rolls back, in memory too.
			st.failRuns.Store(1)
			status, out := h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
			if status != 200 {
				// Rolled back at once: the SDK retries with the same seed.
				status, out = h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
			}
			require.Equal(t, 200, status, "%v", out)
			id := ids[0]
			if tt.name == "debounce" {
				id = ids[1]
			}
			runs := h.waitRuns(id, 1)
			require.Equal(t, runtype.StatusCompleted, runs[0].Status)
			for _, it := range runs[0].History {
				if it.Kind == "call" {
					require.Equal(t, runs[0].StartedAt, it.Time, "the first call was not delayed by a rolled-back reservation")
					break
				}
			}
			require.Negative(t, st.failRuns.Load(), "the injected failure happened")
		})
	}
}

// An event whose transaction rolls back after it resumed a wait leaves the
// wait in place, in the Store and in the engine's pause index: the SDK's
// retry of the same event resumes it.
func TestTxRolledBackEventStillMatchesWait(t *testing.T) {
	t.Parallel()
	st := newFlakyTxStore(t)
	w := wire.HashID("w", 0)
	// No auto-advance: the wait must not time out.
	h := newHarness(t, engine.Options{Store: st, Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		if _, ok := c.steps()[w]; !ok {
			return ops(`{"op":"WaitForEvent","id":"` + w + `","name":"test/go","opts":{"timeout":"1h","if":"async.data.k == event.data.k"}}`)
		}
		return ok(`"done"`)
	})
	h.mustRegister(h.fn("tx", nil))
	id := h.send("test/tx", map[string]any{"k": 7})
	waitUntil(t, func() bool { return len(h.app.Calls()) == 1 && h.eng.Idle() })
	// An event of the wait's name first, so that the engine indexes its pauses.
	h.send("test/go", map[string]any{"k": 8})

	seed := wire.NewEventIDSeed(t0)
	body := []byte(`{"name":"test/go","data":{"k":7}}`)
	st.failRuns.Store(1) // the resumed run cannot be saved
	status, out := h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
	require.Equal(t, 500, status, "%v", out)
	status, out = h.post("/e/test", body, map[string]string{wire.HeaderEventIDSeed: seed})
	require.Equal(t, 200, status, "%v", out)
	run := h.waitRuns(id, 1)[0]
	require.Equal(t, runtype.StatusCompleted, run.Status)
}
