package inngesttest

import (
	"bytes"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Run statuses, the runtype values (Run.Status is a runtype.Status, the type
// the engine and inngest/api use), repeated here so a test needs one import.
const (
	StatusQueued    = runtype.StatusQueued
	StatusRunning   = runtype.StatusRunning
	StatusCompleted = runtype.StatusCompleted
	StatusFailed    = runtype.StatusFailed
	StatusCancelled = runtype.StatusCancelled
)

// clip returns b trimmed and cut to n bytes for failure messages.
func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// DecodeOutput decodes a completed run's output into T, failing the test when
// the run did not complete or the output does not decode.
func DecodeOutput[T any](t testing.TB, run runtype.Run) T {
	t.Helper()
	var v T
	if run.Status != StatusCompleted {
		t.Fatalf("inngesttest: run did not complete:\n%s", run)
	}
	if err := jsoncodec.Unmarshal(run.Output, &v); err != nil {
		t.Fatalf("inngesttest: decoding the output %s as %T: %v\n%s", clip(run.Output, 300), v, err, run)
	}
	return v
}

// DecodeStep decodes the result of step id of run into T (the data of a Run
// step, or the event received by a wait), failing the test when the step is
// missing, not done, failed, or does not decode.
func DecodeStep[T any](t testing.TB, run runtype.Run, id string) T {
	t.Helper()
	var v T
	s, ok := run.Step(id)
	if !ok {
		t.Fatalf("inngesttest: run has no step %q:\n%s", id, run)
	}
	if !s.Done || s.Error != nil {
		t.Fatalf("inngesttest: step %q has no successful result:\n%s", id, run)
	}
	if err := jsoncodec.Unmarshal(s.Data(), &v); err != nil {
		t.Fatalf("inngesttest: decoding step %q's result %s as %T: %v\n%s", id, clip(s.Data(), 300), v, err, run)
	}
	return v
}
