package engine_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine"
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
		if err != nil || runs[0].Status != engine.StatusCompleted {
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
