package devui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/runtype"
)

// The waterfall places each call from its start to its answer, a step run
// inside a call from the call's start (or previous checkpoint) to the entry
// that reported it, and a planned step from its first to its last entry,
// on one axis from the run's start to its end.
func TestWaterfallLayout(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	run := runtype.Run{StartedAt: at(0), EndedAt: at(1000), Status: runtype.StatusCompleted,
		Steps: []runtype.Step{
			{ID: "h1", Name: "a", Op: "StepRun", Done: true},
			{ID: "h2", Name: "b", Op: "StepRun", Done: true},
			{ID: "h3", Name: "c", Op: "StepRun", Done: true},
		},
		History: []runtype.HistoryItem{
			{Time: at(0), Kind: "call", StepID: "step", Detail: "attempt 0"},
			{Time: at(100), Kind: "checkpoint", Detail: "StepRun(a)"},
			{Time: at(250), Kind: "ops", StepID: "step", Status: 206, Detail: "StepRun(b), Planned(c)"},
			{Time: at(500), Kind: "call", StepID: "h3", Detail: "attempt 0"},
			{Time: at(750), Kind: "error", StepID: "h3", Status: 500, Detail: "boom"},
			{Time: at(800), Kind: "call", StepID: "h3", Detail: "attempt 1"},
			{Time: at(1000), Kind: "ops", StepID: "h3", Status: 206, Detail: "StepRun(c)"},
		}}
	w := waterfallOf(run, at(5000))
	require.Equal(t, "1s", w.Span)
	type got struct{ Label, Kind, X, W string }
	var bars []got
	for _, b := range w.Bars {
		require.False(t, b.Open, b.Label)
		bars = append(bars, got{b.Label, b.Kind, b.X, b.W})
	}
	// 72% of the width is the second: 7.2% a hundred milliseconds.
	require.Equal(t, []got{
		{"call: function", "call", "28.000%", "18.000%"},
		{"step: a", "step", "28.000%", "7.200%"},
		{"step: b", "step", "35.200%", "10.800%"},
		{"call: c", "failed", "64.000%", "18.000%"},
		{"step: c", "step", "64.000%", "36.000%"},
		{"call: c", "call", "85.600%", "14.400%"},
	}, bars)
	require.Contains(t, w.Bars[3].Title, "HTTP 500: boom")
	require.Equal(t, 6*rowHeight+4, w.Height)

	running := run
	running.EndedAt, running.Status = time.Time{}, runtype.StatusRunning
	running.History = running.History[:6]
	running.Steps[2].Done = false
	w = waterfallOf(running, at(2000))
	require.Equal(t, "2s", w.Span, "a run not ended is drawn to now")
	last := w.Bars[len(w.Bars)-1]
	require.Equal(t, "call: c", last.Label)
	require.True(t, last.Open)
	require.Contains(t, last.Title, "so far")

	require.Empty(t, waterfallOf(runtype.Run{}, t0).Bars, "a run with no history has no bars")
}
