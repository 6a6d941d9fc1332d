package inngesttest

import (
	"fmt"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// RequireCompleted fails the test unless the run completed.
func RequireCompleted(t testing.TB, run runtype.Run) {
	t.Helper()
	if run.Status != StatusCompleted {
		t.Fatalf("inngesttest: expected the run to complete, it is %s:\n%s", run.Status, run)
	}
}

// RequireFailed fails the test unless the run failed.
func RequireFailed(t testing.TB, run runtype.Run) {
	t.Helper()
	if run.Status != StatusFailed {
		t.Fatalf("inngesttest: expected the run to fail, it is %s:\n%s", run.Status, run)
	}
}

// RequireOutput fails the test unless the run completed with an output equal,
// as JSON, to expectedJSON.
func RequireOutput(t testing.TB, run runtype.Run, expectedJSON string) {
	t.Helper()
	RequireCompleted(t, run)
	var want, got any
	if err := jsoncodec.Unmarshal([]byte(expectedJSON), &want); err != nil {
		t.Fatalf("inngesttest: the expected output is not JSON: %v: %s", err, expectedJSON)
	}
	if err := jsoncodec.Unmarshal(run.Output, &got); err != nil || !jsonEqual(want, got) {
		t.Fatalf("inngesttest: output mismatch\nwant: %s\ngot:  %s\n%s", expectedJSON, clip(run.Output, 2000), run)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := jsoncodec.Marshal(a)
	y, _ := jsoncodec.Marshal(b)
	return string(x) == string(y)
}

// RequireStepRan fails the test unless the run has step id (as given in the
// code; "id:n" for the n-th repeat) and it finished without error.
func RequireStepRan(t testing.TB, run runtype.Run, id string) {
	t.Helper()
	s, ok := run.Step(id)
	switch {
	case !ok:
		t.Fatalf("inngesttest: step %q did not run:\n%s", id, run)
	case !s.Done:
		t.Fatalf("inngesttest: step %q did not finish:\n%s", id, run)
	case s.Error != nil:
		t.Fatalf("inngesttest: step %q failed: %s\n%s", id, s.Error.Message, run)
	}
}

// RequireStepAttempts fails the test unless step id of the run was attempted
// exactly n times.
func RequireStepAttempts(t testing.TB, run runtype.Run, id string, n int) {
	t.Helper()
	s, ok := run.Step(id)
	if !ok {
		t.Fatalf("inngesttest: step %q did not run:\n%s", id, run)
	}
	if s.Attempts != n {
		t.Fatalf("inngesttest: step %q: expected %d attempt(s), got %d:\n%s", id, n, s.Attempts, run)
	}
}

// RequireFailureHandlerRan waits until a failure handler of function fn (a slug
// or a full id) has run, and fails the test unless it completed: either fn's
// own handler (Function.OnFailure, served as "<id>-failure") or any function
// triggered by inngest/function.failed (inngest.OnFunctionFailed) for a failed
// run of fn. It returns the handler's run.
func RequireFailureHandlerRan(t testing.TB, env *Env, fn string) runtype.Run {
	t.Helper()
	var out runtype.Run
	env.WaitFor(t, fmt.Sprintf("a failure handler run for function %s", fn), func(runs []runtype.Run) bool {
		for _, r := range runs {
			if r.Status.Done() && env.handlesFailureOf(r, fn) {
				out = r
				return true
			}
		}
		return false
	})
	RequireCompleted(t, out)
	return out
}

// handlesFailureOf reports whether run r was started by a function.failed event
// for function fn.
func (e *Env) handlesFailureOf(r runtype.Run, fn string) bool {
	if len(r.Events) == 0 || r.EventName() != wire.EventFunctionFailed {
		return false
	}
	var ev struct {
		Data struct {
			FunctionID string `json:"function_id"`
		} `json:"data"`
	}
	if jsoncodec.Unmarshal(r.Events[0], &ev) != nil {
		return false
	}
	return e.matchFn(ev.Data.FunctionID, fn)
}
