package engine_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/cputime"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// threeSteps answers like an SDK running three step.Runs then returning.
func threeSteps(c call) reply {
	steps := c.steps()
	for i, id := range []string{"a", "b", "c"} {
		h := wire.HashID(id, 0)
		if _, done := steps[h]; !done {
			return ops(`{"op":"StepRun","id":"` + h + `","name":"` + id + `","data":` + strconv.Itoa(i) + `}`)
		}
	}
	return ok(`"done"`)
}

// BenchmarkThreeStepRuns measures end-to-end runs/s: event in, four calls to a
// fake app over loopback HTTP, completion.
func BenchmarkThreeStepRuns(b *testing.B) {
	h := newHarness(b, engine.Options{Clock: engine.RealClock{}}, threeSteps)
	h.mustRegister(h.fn("bench", nil))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	ids := make([]string, 0, b.N)
	for i := 0; i < b.N; i++ {
		ids = append(ids, h.send("test/bench", map[string]any{"i": i}))
	}
	for _, id := range ids {
		runs, err := h.eng.WaitForEventRuns(ctx, id, 1)
		if err != nil || runs[0].Status != runtype.StatusCompleted {
			b.Fatal(err, runs)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkSleepingRunMemory measures the heap held per run parked in a
// step.Sleep (run record, memo, timer).
func BenchmarkSleepingRunMemory(b *testing.B) {
	sleep := ops(`{"op":"Sleep","id":"` + wire.HashID("nap", 0) + `","name":"nap","opts":{"duration":"7d"}}`)
	h := newHarness(b, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply { return sleep })
	h.mustRegister(h.fn("sleeper", nil))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.send("test/sleeper", map[string]any{"user_id": "u1"})
	}
	waitUntil(b, func() bool { return len(h.app.Calls()) == b.N && h.eng.Idle() })
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-bytes/sleeping-run")
}

// waitingStore returns a memstore.Store holding n running runs, run i waiting
// on event "test/resume" with the expression async.data.k == event.data.k
// and a trigger whose data.k is i, and the waits' timeout timers.
func waitingStore(tb testing.TB, n int) *memstore.Store {
	tb.Helper()
	st := memstore.NewChecked()
	ctx := context.Background()
	for i := range n {
		id := "run-" + strconv.Itoa(i)
		trigger := json.RawMessage(`{"name":"test/start","data":{"k":` + strconv.Itoa(i) + `},"id":"ev-` + strconv.Itoa(i) + `","ts":1767225600000}`)
		r := &enginestore.RunRecord{Run: runtype.Run{ID: id, FunctionID: "app-waiter", Status: runtype.StatusRunning,
			EventIDs: []string{"ev-" + strconv.Itoa(i)}, Events: []json.RawMessage{trigger}, StartedAt: t0,
			Waits: []runtype.WaitInfo{{StepID: "w", Event: "test/resume", If: "async.data.k == event.data.k", Expires: t0.Add(24 * time.Hour)}}}}
		require.NoError(tb, st.SaveRun(ctx, r))
		require.NoError(tb, st.SavePause(ctx, enginestore.Pause{ID: id + "/w", Kind: enginestore.PauseWait, RunID: id, StepID: "w",
			Event: "test/resume", If: "async.data.k == event.data.k", Expires: t0.Add(24 * time.Hour), TimerID: id + "/w/timeout"}))
		// Its timeout, as the engine schedules it: the scheduler's heap
		// holds one timer per waiting run.
		require.NoError(tb, st.SaveTimer(ctx, enginestore.TimerItem{ID: id + "/w/timeout", Kind: enginestore.TimerPauseTimeout,
			At: t0.Add(24 * time.Hour), RunID: id, StepID: "w", PauseID: id + "/w"}))
	}
	return st
}

// BenchmarkEventWithWaits sends one event to an engine with 0, 1,000 or
// 10,000 runs waiting on "test/resume": event=other is named differently
// (it matches no wait and should cost the same at every size); event=same
// is "test/resume" matching none of the waits' expressions (it costs one
// expression check per wait: see ns/wait).
func BenchmarkEventWithWaits(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		for _, name := range []string{"other", "same"} {
			b.Run("waiting="+strconv.Itoa(n)+"/event="+name, func(b *testing.B) {
				eng, err := engine.New(engine.Options{Store: waitingStore(b, n), Clock: engine.NewVirtualClock(t0)})
				require.NoError(b, err)
				b.Cleanup(func() { _ = eng.Close() })
				body := []byte(`{"name":"test/other","data":{"k":-1}}`)
				if name == "same" {
					body = []byte(`{"name":"test/resume","data":{"k":-1}}`)
				}
				ctx := context.Background()
				_, err = eng.SendJSON(ctx, body) // warm up
				require.NoError(b, err)
				// Collect the setup's garbage now: a short run would otherwise
				// time the GC of the 10,000 runs just built (see bench/README.md).
				runtime.GC()
				b.ReportAllocs()
				cpu := cputime.Process()
				for b.Loop() {
					if _, err := eng.SendJSON(ctx, body); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
				if name == "same" && n > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/wait")
				}
			})
		}
	}
}

// BenchmarkMatchWithWaits times one event that resumes one waiting run
// (async.data.k == event.data.k), with 0, 1,000 or 10,000 other runs waiting
// on the same event name with other keys: the time should not grow with
// them. Each iteration first starts a run that waits (not timed), then sends
// the matching event (timed), then lets the run complete (not timed).
func BenchmarkMatchWithWaits(b *testing.B) {
	w := wire.HashID("w", 0)
	for _, n := range []int{0, 1000, 10000} {
		b.Run("waiting="+strconv.Itoa(n), func(b *testing.B) {
			h := newHarness(b, engine.Options{Store: waitingStore(b, n), Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
				if _, ok := c.steps()[w]; !ok {
					return ops(`{"op":"WaitForEvent","id":"` + w + `","name":"test/resume","opts":{"timeout":"1h","if":"async.data.k == event.data.k"}}`)
				}
				return ok(`"done"`)
			})
			h.mustRegister(h.fn("matcher", nil))
			ctx := context.Background()
			// Warm up: the engine reads the name's waits once.
			_, err := h.eng.SendJSON(ctx, []byte(`{"name":"test/resume","data":{"k":-1}}`))
			require.NoError(b, err)
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				k := `"m` + strconv.Itoa(i) + `"`
				calls := len(h.app.Calls())
				id := h.send("test/matcher", json.RawMessage(`{"k":`+k+`}`))
				waitUntil(b, func() bool { return len(h.app.Calls()) == calls+1 && h.eng.Idle() })
				body := []byte(`{"name":"test/resume","data":{"k":` + k + `}}`)
				start := cputime.Process()
				b.StartTimer()
				if _, err := h.eng.SendJSON(ctx, body); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cputime.Process() - start
				if runs, err := h.eng.WaitForEventRuns(ctx, id, 1); err != nil || runs[0].Status != runtype.StatusCompleted {
					b.Fatal(err, runs)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkAutoAdvanceDrain starts an engine on an auto-advancing
// VirtualClock over n waiting runs, and times until every wait has timed out
// (each timeout fired, its run resumed and ended): an idle engine finds its
// next timer to jump to without scanning the whole timer heap, so ns/wait
// should not grow with n.
func BenchmarkAutoAdvanceDrain(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run("waiting="+strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				st := waitingStore(b, n)
				for i := range n { // one timeout a second: the clock jumps n times
					id := "run-" + strconv.Itoa(i)
					require.NoError(b, st.SaveTimer(ctx, enginestore.TimerItem{ID: id + "/w/timeout", Kind: enginestore.TimerPauseTimeout,
						At: t0.Add(24*time.Hour + time.Duration(i)*time.Second), RunID: id, StepID: "w", PauseID: id + "/w"}))
				}
				runtime.GC()
				clk := engine.NewVirtualClock(t0)
				clk.SetAutoAdvance(true)
				b.StartTimer()
				eng, err := engine.New(engine.Options{Store: st, Clock: clk})
				require.NoError(b, err)
				waitUntil(b, func() bool {
					ts, err := st.Timers(ctx)
					return err == nil && len(ts) == 0 && eng.Idle()
				})
				b.StopTimer()
				require.NoError(b, eng.Close())
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/wait")
		})
	}
}

// BenchmarkConcurrencyBacklog sends a backlog of events to a function with a
// concurrency limit of 2 on one key and waits for every run (three steps each)
// to complete; ns/run is the cost per run, which should not grow with the
// backlog (each released slot wakes one parked call).
func BenchmarkConcurrencyBacklog(b *testing.B) {
	for _, backlog := range []int{100, 1000} {
		b.Run("backlog="+strconv.Itoa(backlog), func(b *testing.B) {
			h := newHarness(b, engine.Options{}, threeSteps)
			h.mustRegister(h.fn("backlog", map[string]any{"concurrency": []any{map[string]any{"limit": 2, "key": "event.data.k"}}}))
			runBacklog(b, h, []byte(`{"name":"test/backlog","data":{"k":"one"}}`), backlog, backlog)
		})
	}
}

// BenchmarkEventTriggers sends an event that triggers no function to an
// engine with 10 or 1,000 functions (each on its own event name, one in ten
// on a wildcard of another prefix), or with 1,000 functions all on wildcards
// of other prefixes: the cost should not grow with the number of functions.
func BenchmarkEventTriggers(b *testing.B) {
	for _, tc := range []struct {
		name      string
		n, wildOf int
	}{{"functions=10", 10, 10}, {"functions=1000", 1000, 10}, {"wildcards=1000", 1000, 1}} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, engine.Options{}, func(c call) reply { return ok(`"done"`) })
			fns := make([]map[string]any, 0, tc.n)
			for i := range tc.n {
				f := h.fn("f"+strconv.Itoa(i), nil)
				if i%tc.wildOf == 0 {
					f["triggers"] = []any{map[string]any{"event": "other" + strconv.Itoa(i) + "/*"}}
				}
				fns = append(fns, f)
			}
			h.mustRegister(fns...)
			ctx := context.Background()
			body := []byte(`{"name":"test/nothing","data":{}}`)
			runtime.GC()
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				if _, err := h.eng.SendJSON(ctx, body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCallBacklog sends a backlog of events (in sends of 100) to a
// one-call function with MaxConcurrentCalls 2 and waits for every run to
// complete; ns/run is the cost per run, which should not grow with the
// backlog of calls waiting for a slot (a scheduler pass with every slot taken
// leaves them alone, and a freed slot starts the next one).
func BenchmarkCallBacklog(b *testing.B) {
	for _, backlog := range []int{100, 5000} {
		b.Run("backlog="+strconv.Itoa(backlog), func(b *testing.B) {
			h := newHarness(b, engine.Options{MaxConcurrentCalls: 2}, func(c call) reply { return ok(`"done"`) })
			h.mustRegister(h.fn("backlog", nil))
			var body []byte
			for i := range 100 {
				if i > 0 {
					body = append(body, ',')
				}
				body = append(body, `{"name":"test/backlog","data":{}}`...)
			}
			body = append(append([]byte{'['}, body...), ']')
			runBacklog(b, h, body, backlog/100, backlog)
		})
	}
}

// runBacklog times sending body sends times (backlog runs in all) and waiting
// for every run to complete, and reports ns/run.
func runBacklog(b *testing.B, h *harness, body []byte, sends, backlog int) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ids := make([]string, 0, backlog)
		for range sends {
			got, err := h.eng.SendJSON(ctx, body)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, got...)
		}
		for _, id := range ids {
			if runs, err := h.eng.WaitForEventRuns(ctx, id, 1); err != nil || runs[0].Status != runtype.StatusCompleted {
				b.Fatal(err, runs)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*backlog), "ns/run")
}
