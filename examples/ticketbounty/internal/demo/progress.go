package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Watch prints every run's progress (new runs, steps, sleeps, waits,
// retries, final status) until ctx ends. It follows the engine's run state:
// engine.WaitFor calls its predicate after every change.
func Watch(ctx context.Context, eng *engine.Engine, appID string, p *Printer) {
	w := &watcher{p: p, prefix: appID + "-", runs: map[string]*seenRun{}}
	_ = eng.WaitFor(ctx, func(runs []runtype.Run) bool {
		for _, r := range runs {
			w.update(r)
		}
		return false
	})
}

type seenRun struct {
	status  runtype.Status
	steps   map[string]runtype.Step
	history int
}

type watcher struct {
	p      *Printer
	prefix string
	runs   map[string]*seenRun
}

func (w *watcher) update(r runtype.Run) {
	s := w.runs[r.ID]
	fn := strings.TrimPrefix(r.FunctionID, w.prefix)
	tag := fmt.Sprintf("run %s %-26s", shortID(r.ID), fn)
	if s == nil {
		s = &seenRun{steps: map[string]runtype.Step{}}
		w.runs[r.ID] = s
		trigger := eventName(r)
		if len(r.Events) > 1 {
			trigger = fmt.Sprintf("a batch of %d %s events", len(r.Events), trigger)
		}
		w.p.Printf("  ▶ %s started by %s", tag, trigger)
	}
	// History is append-only, so no sleep, wait or retry is missed even
	// when several changes happen between two calls.
	for _, h := range r.History[min(s.history, len(r.History)):] {
		switch h.Kind {
		case "sleep":
			if d, err := time.ParseDuration(h.Detail); err == nil {
				w.p.Printf("    %s step %s: sleeping %s", tag, stepName(r, h.StepID), human(d))
			} else {
				w.p.Printf("    %s step %s: %s", tag, stepName(r, h.StepID), h.Detail)
			}
		case "wait":
			detail := h.Detail
			if strings.HasPrefix(detail, "matched event") {
				detail = "event received"
			}
			w.p.Printf("    %s step %s: %s", tag, stepName(r, h.StepID), detail)
		case "retry":
			w.p.Printf("    %s %s failed, %s", tag, failedStep(r, h.StepID), retryText(h.Detail))
		}
	}
	for _, st := range r.Steps {
		old, seen := s.steps[st.ID]
		s.steps[st.ID] = st
		if st.Done && (!seen || !old.Done) && st.Op != "Sleep" && st.Op != "WaitForEvent" {
			w.p.Printf("    %s step %s", tag, doneText(st))
		}
	}
	s.history = len(r.History)
	if r.Status != s.status {
		s.status = r.Status
		switch r.Status {
		case runtype.StatusCompleted:
			w.p.Printf("  ✔ %s Completed → %s", tag, clip(string(r.Output), 90))
		case runtype.StatusFailed, runtype.StatusCancelled:
			msg := ""
			if r.Error != nil {
				msg = r.Error.Message
			}
			w.p.Printf("  ✘ %s %s: %s", tag, r.Status, clip(msg, 90))
		}
	}
}

func doneText(st runtype.Step) string {
	switch {
	case st.Error != nil:
		return st.Name + " failed: " + clip(st.Error.Message, 80)
	}
	return st.Name + " ✓"
}

func stepName(r runtype.Run, stepID string) string {
	for _, st := range r.Steps {
		if st.ID == stepID {
			return st.Name
		}
	}
	return stepID
}

// failedStep names what a retry is for: the step whose attempt failed
// (still in error, or already retried when changes came in together), or
// the call itself.
func failedStep(r runtype.Run, stepID string) string {
	retried := ""
	for _, st := range r.Steps {
		switch {
		case st.ID == stepID, stepID == "step" && st.Op == "StepError" && !st.Done:
			return "step " + st.Name
		case stepID == "step" && st.Attempts > 1 && retried == "":
			retried = "step " + st.Name
		}
	}
	if retried != "" {
		return retried
	}
	return "the call"
}

// retryText turns "attempt 1 in 8.947291862s" into "retry 1 in 8.9s".
func retryText(detail string) string {
	var n int
	var d time.Duration
	var ds string
	if _, err := fmt.Sscanf(detail, "attempt %d in %s", &n, &ds); err == nil {
		if d, err = time.ParseDuration(ds); err == nil {
			return fmt.Sprintf("retry %d in %s", n, d.Round(100*time.Millisecond))
		}
	}
	return "retry " + detail
}

func eventName(r runtype.Run) string {
	if len(r.Events) == 0 {
		return "?"
	}
	var ev struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(r.Events[0], &ev)
	return ev.Name
}

// shortID keeps the random tail of a ULID, enough to tell runs apart.
func shortID(id string) string {
	if len(id) > 6 {
		return id[len(id)-6:]
	}
	return id
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
