package devui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// waterfall is a run's timeline drawn as bars, one per call to the app and
// one per step, on one time axis from the run's start to its end (or now).
// The run page draws it as inline SVG: presentation attributes, no inline
// style (the pages' Content-Security-Policy forbids it) and no script.
type waterfall struct {
	Bars []bar
	// Span is the axis' length, as text; Height the drawing's in pixels.
	Span   string
	Height int
}

// bar is one row of the waterfall. X and W are percentages of the
// drawing's width (the bar area is its right part, after the labels).
type bar struct {
	// Label is what the row is ("call: compose", "step: compose"); Kind
	// its CSS class (call, step, sleep, wait, invoke, failed); Title the
	// tooltip (offset, duration and detail).
	Label, Kind, Title string
	X, W               string
	Y, TextY           int
	// Open says the call or step had not ended when the page was drawn.
	Open bool
}

// Layout of the drawing: each row is rowHeight pixels, the labels take the
// left labelPct percent of the width.
const (
	rowHeight  = 20
	barHeight  = 14
	labelPct   = 28.0
	minBarPct  = 0.4
	maxLabel   = 34
	discoverID = wire.DiscoveryStepID
)

// span is one bar's interval before layout.
type span struct {
	label, kind, detail string
	start, end          time.Time
	open                bool
}

// waterfallOf lays out run's calls and steps from its History: a call runs
// from its "call" entry to the entry that reports its answer ("ops",
// "completed" or "error" of the same step); a step from the first to the
// last entry that names it; a step run inside a call (no entry of its own)
// from the call's start (or its previous checkpoint) to the "ops" or
// "checkpoint" entry that reported it. A call or step not ended yet runs
// to now.
func waterfallOf(run runtype.Run, now time.Time) waterfall {
	start, end := run.StartedAt, run.EndedAt
	if start.IsZero() && len(run.History) > 0 {
		start = run.History[0].Time
	}
	if end.IsZero() {
		end = now
	}
	names := map[string]string{}
	for _, s := range run.Steps {
		names[s.ID] = s.Name
	}
	var spans []span
	openCall := map[string]int{}          // step ID → index in spans of its open call
	reported := map[string][2]time.Time{} // step name → when it ran, by the entry that reported it
	mark := start                         // the last call's start or checkpoint
	report := func(detail string, from, to time.Time) {
		for _, part := range strings.Split(detail, ", ") {
			if _, name, ok := strings.Cut(strings.TrimSuffix(part, ")"), "("); ok {
				if _, seen := reported[name]; !seen {
					reported[name] = [2]time.Time{from, to}
				}
			}
		}
	}
	for _, h := range run.History {
		switch h.Kind {
		case "call":
			label := "call: " + names[h.StepID]
			if h.StepID == discoverID {
				label = "call: function"
			}
			openCall[h.StepID] = len(spans)
			mark = h.Time
			spans = append(spans, span{label: label, kind: "call", detail: h.Detail, start: h.Time, open: true})
		case "checkpoint":
			// Steps the SDK ran and checkpointed since the call began or
			// its previous checkpoint.
			report(h.Detail, mark, h.Time)
			mark = h.Time
		case "ops", "completed", "error":
			i, ok := openCall[h.StepID]
			if !ok {
				continue
			}
			delete(openCall, h.StepID)
			spans[i].end, spans[i].open = h.Time, false
			if h.Status != 0 {
				spans[i].detail += fmt.Sprintf(", HTTP %d", h.Status)
			}
			if h.Kind == "error" {
				spans[i].kind = "failed"
				spans[i].detail += ": " + h.Detail
			}
			if h.Kind == "ops" {
				from := spans[i].start
				if mark.After(from) {
					from = mark // the call's last checkpoint
				}
				report(h.Detail, from, h.Time)
			}
		}
	}
	for _, s := range run.Steps {
		sp := span{label: "step: " + s.Name, kind: stepKind(s), detail: s.Op, open: !s.Done && s.Error == nil}
		found := false
		for _, h := range run.History {
			if h.StepID != s.ID {
				continue
			}
			if !found {
				sp.start, found = h.Time, true
			}
			sp.end = h.Time
		}
		if !found {
			at, ok := reported[s.Name]
			if !ok {
				continue
			}
			sp.start, sp.end = at[0], at[1]
		}
		if sp.open {
			sp.end = end
		}
		spans = append(spans, sp)
	}
	for i := range spans {
		if spans[i].open {
			spans[i].end = end
		}
	}
	return layout(spans, start, end)
}

// stepKind is a step's bar class.
func stepKind(s runtype.Step) string {
	switch {
	case s.Error != nil:
		return "failed"
	case s.Op == string(wire.OpSleep):
		return "sleep"
	case s.Op == string(wire.OpWaitForEvent):
		return "wait"
	case s.Op == string(wire.OpInvokeFunction):
		return "invoke"
	}
	return "step"
}

// layout places spans (in order of start, calls before steps at the same
// instant) on the axis from start to end.
func layout(spans []span, start, end time.Time) waterfall {
	total := end.Sub(start)
	if total <= 0 {
		total = time.Millisecond
	}
	sortSpans(spans)
	w := waterfall{Span: total.Round(time.Millisecond).String(), Height: len(spans)*rowHeight + 4}
	pct := func(d time.Duration) float64 { return float64(d) / float64(total) * (100 - labelPct) }
	for i, s := range spans {
		x := pct(s.start.Sub(start))
		x = min(max(x, 0), 100-labelPct)
		width := max(pct(s.end.Sub(s.start)), minBarPct)
		width = min(width, 100-labelPct-x)
		label := s.label
		if r := []rune(label); len(r) > maxLabel {
			label = string(r[:maxLabel-1]) + "…"
		}
		title := fmt.Sprintf("%s: +%s, %s", s.label, s.start.Sub(start).Round(time.Millisecond), s.end.Sub(s.start).Round(time.Millisecond))
		if s.open {
			title += " so far"
		}
		if s.detail != "" {
			title += " (" + s.detail + ")"
		}
		w.Bars = append(w.Bars, bar{Label: label, Kind: s.kind, Title: title, Open: s.open,
			X: fmt.Sprintf("%.3f%%", labelPct+x), W: fmt.Sprintf("%.3f%%", width),
			Y: i*rowHeight + 3, TextY: i*rowHeight + 15})
	}
	return w
}

// sortSpans orders spans by start, keeping the order of equal starts
// (calls were added before steps).
func sortSpans(spans []span) {
	slices.SortStableFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
}
