package inngesttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// Runs returns a snapshot of every run, oldest first. A store error fails
// the Env's test (t.Errorf, safe from any goroutine) and returns nil.
func (e *Env) Runs() []runtype.Run { return e.runsOrFail(e.eng.Runs()) }

// RunsForEvent returns a snapshot of the runs an event started so far. A
// store error fails the Env's test and returns nil.
func (e *Env) RunsForEvent(eventID string) []runtype.Run {
	return e.runsOrFail(e.eng.RunsForEvent(eventID))
}

// runsOrFail returns the engine's runs, reporting its error to the Env's
// test.
func (e *Env) runsOrFail(rs []runtype.Run, err error) []runtype.Run {
	if err != nil {
		e.t.Errorf("inngesttest: %v", err)
		return nil
	}
	return rs
}

// WaitFor blocks until pred, called with a snapshot of all runs after every
// change, returns true, and returns that snapshot. what describes the
// condition in the failure message when Options.Timeout passes first. pred
// runs without the engine's lock held: it may call the Env (Runs, Send, Dump,
// ...).
func (e *Env) WaitFor(t testing.TB, what string, pred func(runs []runtype.Run) bool) []runtype.Run {
	t.Helper()
	var out []runtype.Run
	e.wait(t, what, func(ctx context.Context) error {
		return e.eng.WaitFor(ctx, func(runs []runtype.Run) bool {
			if pred(runs) {
				out = runs
				return true
			}
			return false
		})
	})
	return out
}

// WaitForRun waits until the event has started a run and every run it started
// has ended (completed, failed or cancelled), and returns the first run. Use
// WaitForRuns for an event that starts several.
func (e *Env) WaitForRun(t testing.TB, eventID string) runtype.Run {
	t.Helper()
	return e.WaitForRuns(t, eventID, 1)[0]
}

// WaitForRuns waits until the event has started at least n runs and all of them
// have ended, and returns them.
func (e *Env) WaitForRuns(t testing.TB, eventID string, n int) []runtype.Run {
	t.Helper()
	var out []runtype.Run
	e.wait(t, fmt.Sprintf("%d finished run(s) of event %s", n, eventID), func(ctx context.Context) error {
		var err error
		out, err = e.eng.WaitForEventRuns(ctx, eventID, n)
		return err
	})
	return out
}

// WaitForFunction waits until a run of function fn (a slug or a full id) has
// ended and returns the oldest such run.
func (e *Env) WaitForFunction(t testing.TB, fn string) runtype.Run {
	t.Helper()
	return e.WaitForFunctionRuns(t, fn, 1)[0]
}

// WaitForFunctionRuns waits until at least n runs of function fn (a slug or a
// full id) exist and all of them have ended, and returns them, oldest first.
func (e *Env) WaitForFunctionRuns(t testing.TB, fn string, n int) []runtype.Run {
	t.Helper()
	var out []runtype.Run
	e.WaitFor(t, fmt.Sprintf("%d finished run(s) of function %s", n, fn), func(runs []runtype.Run) bool {
		out = out[:0]
		for _, r := range runs {
			if !e.matchFn(r.FunctionID, fn) {
				continue
			}
			if !r.Status.Done() {
				return false
			}
			out = append(out, r)
		}
		return len(out) >= n
	})
	return out
}

// WaitingFor waits until a run is paused in step.WaitForEvent for an event
// named eventName and returns that run. Send the awaited event afterwards (with
// Options.ManualClock, or the wait may time out first on the auto-advancing
// clock).
func (e *Env) WaitingFor(t testing.TB, eventName string) runtype.Run {
	t.Helper()
	var out runtype.Run
	e.WaitFor(t, "a run waiting for event "+eventName, func(runs []runtype.Run) bool {
		for _, r := range runs {
			if !r.Status.Done() && r.Waiting(eventName) {
				out = r
				return true
			}
		}
		return false
	})
	return out
}

// wait runs f with the wall-clock timeout and fails t with a dump of every run
// when it does not succeed.
func (e *Env) wait(t testing.TB, what string, f func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	if err := f(ctx); err != nil {
		t.Fatalf("inngesttest: gave up after %s waiting for %s: %v\n%s", e.timeout, what, err, e.Dump())
	}
}

// Dump renders the environment's state for failure messages: the virtual time
// and every run with its steps and history.
func (e *Env) Dump() string {
	var b strings.Builder
	auto := "on"
	if !e.clock.AutoAdvance() {
		auto = "off"
	}
	runs := e.Runs()
	fmt.Fprintf(&b, "virtual time %s (auto-advance %s); %d run(s):\n", e.Now().Format("2006-01-02T15:04:05.000Z07:00"), auto, len(runs))
	paused := false
	for _, r := range runs {
		b.WriteString("  ")
		b.WriteString(r.String())
		if !r.Status.Done() {
			for _, s := range r.Steps {
				if !s.Done && (s.Op == string(wire.OpSleep) || s.Op == string(wire.OpWaitForEvent)) {
					paused = true
				}
			}
		}
	}
	if paused && auto == "off" {
		b.WriteString("hint: a run is sleeping or waiting and the clock is manual; move it with Env.Advance\n")
	}
	return b.String()
}
