package inngesttest_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// runConcRecording is testdata/realserver/run-concurrency.json, written by
// internal/realserver/runconccheck against the real dev server.
type runConcRecording struct {
	Limit   int   `json:"limit"`
	SleepMS int64 `json:"sleep_ms"`
	Events  int   `json:"events"`
	Runs    []struct {
		N       int   `json:"n"`
		StartMS int64 `json:"start_ms"`
		EndMS   int64 `json:"end_ms"`
	} `json:"runs"`
	MaxOverlap int `json:"max_overlap"`
}

// overlap is the most spans in progress at once.
func overlap(spans [][2]time.Duration) int {
	peak := 0
	for _, a := range spans {
		o := 0
		for _, b := range spans {
			if b[0] <= a[0] && b[1] > a[0] {
				o++
			}
		}
		peak = max(peak, o)
	}
	return peak
}

// TestRunConcurrencyAsRecorded runs the recorded function (RunConcurrency
// limit 1, each run sleeping 2 s, three events) on the engine and requires
// what the real dev server did: the runs start in the order of their events,
// none before the previous one ended (the sleeping run held its slot), at
// most the recorded number in progress at once.
func TestRunConcurrencyAsRecorded(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/realserver/run-concurrency.json")
	require.NoError(t, err)
	var rec runConcRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	require.Len(t, rec.Runs, rec.Events, "every recorded run ended")
	var recorded [][2]time.Duration
	var recOrder []int
	for _, r := range rec.Runs {
		recorded = append(recorded, [2]time.Duration{time.Duration(r.StartMS) * time.Millisecond, time.Duration(r.EndMS) * time.Millisecond})
		recOrder = append(recOrder, r.N)
	}
	require.Equal(t, rec.MaxOverlap, overlap(recorded))

	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	fn := newFn(t, env, inngest.FunctionOpts{ID: "one-at-a-time", RunConcurrency: &inngest.RunConcurrency{Limit: rec.Limit}},
		inngest.OnEvent(e2eStarted), func(ctx context.Context, in inngest.Input[e2eData]) (int, error) {
			if err := step.Sleep(ctx, "nap", time.Duration(rec.SleepMS)*time.Millisecond); err != nil {
				return 0, err
			}
			return in.Event.Data.N, nil
		})
	env.Serve(fn)
	t0 := env.Now()
	for n := 1; n <= rec.Events; n++ {
		env.Send(t, e2eStarted.New(e2eData{N: n}))
	}
	for i := 0; i < 2*rec.Events && len(inProgress(t, env, "one-at-a-time")) > 0; i++ {
		advance(env, time.Duration(rec.SleepMS)*time.Millisecond)
	}
	runs := settled(t, env, "one-at-a-time")
	require.Len(t, runs, rec.Events)
	var spans []span
	for _, r := range runs {
		inngesttest.RequireCompleted(t, r)
		spans = append(spans, spanOf(t, r))
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var order []int
	var ours [][2]time.Duration
	for i, s := range spans {
		order = append(order, s.n)
		ours = append(ours, [2]time.Duration{s.start.Sub(t0), s.end.Sub(t0)})
		if i > 0 {
			require.False(t, s.start.Before(spans[i-1].end), "run %d started before run %d ended", s.n, spans[i-1].n)
			require.False(t, recorded[i][0] < recorded[i-1][1], "the recording agrees")
		}
	}
	require.Equal(t, recOrder, order, "the runs started in the recorded order")
	require.Equal(t, rec.MaxOverlap, overlap(ours))
}
