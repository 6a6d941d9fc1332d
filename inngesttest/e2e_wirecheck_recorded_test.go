package inngesttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// wireCaseRecording is testdata/realserver/wire-stepids.json or
// wire-noretry.json, written by internal/realserver/wirecheck against the
// real dev server.
type wireCaseRecording struct {
	Functions []struct {
		Function string `json:"function"`
		Calls    []struct {
			AtMS       int64               `json:"at_ms"`
			Query      map[string][]string `json:"query"`
			Attempt    int                 `json:"attempt"`
			StepKeys   []string            `json:"step_keys"`
			Status     int                 `json:"status"`
			RespHeader map[string]string   `json:"resp_header"`
			RespBody   json.RawMessage     `json:"resp_body"`
		} `json:"calls"`
		Run struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"run"`
	} `json:"functions"`
}

func readWireCase(t *testing.T, name string) wireCaseRecording {
	t.Helper()
	raw, err := os.ReadFile("../testdata/realserver/" + name)
	require.NoError(t, err)
	var rec wireCaseRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	return rec
}

// recordedOp is what a replay compares of an op the SDK answered: its id
// (the hash), name, displayName and data; timing varies.
type recordedOp struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Data        any    `json:"data"`
}

// opsOf returns the ops of a 206 body, or the body itself otherwise.
func opsOf(t *testing.T, status int, body []byte) any {
	t.Helper()
	if status != 206 {
		return string(body)
	}
	var ops []recordedOp
	require.NoError(t, json.Unmarshal(body, &ops))
	return ops
}

// TestStepIDsAsRecorded replays the real dev server's step-id recording on
// the engine: steps literally named like a repeat (charge, charge, charge:1
// and charge, charge:1, charge) get the hashes the server stored and sent
// back as memos (charge, charge:1, charge:1:1 and charge, charge:1,
// charge:2), every replay finds its own memo, and the calls, the ops and the
// output are the server's, with checkpointing off and on.
func TestStepIDsAsRecorded(t *testing.T) {
	t.Parallel()
	rec := readWireCase(t, "wire-stepids.json")
	names := map[string][]string{
		"repeat-then-literal":              {"charge", "charge", "charge:1"},
		"literal-then-repeat":              {"charge", "charge:1", "charge"},
		"repeat-then-literal-checkpointed": {"charge", "charge", "charge:1"},
	}
	require.Len(t, rec.Functions, len(names))
	for _, f := range rec.Functions {
		t.Run(f.Function, func(t *testing.T) {
			t.Parallel()
			cp := noCheckpoint
			if strings.HasSuffix(f.Function, "-checkpointed") {
				cp = inngest.CheckpointOptions{}
			}
			env := inngesttest.Start(t, inngesttest.Options{})
			fn := newFn(t, env, inngest.FunctionOpts{ID: f.Function, Checkpoint: cp}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					var got []string
					for i, name := range names[f.Function] {
						v, err := stepRun(ctx, name, string(rune('0'+i))+":"+name)
						if err != nil {
							return "", err
						}
						got = append(got, v)
					}
					return strings.Join(got, " "), nil
				})
			p := newCutProxy(t, env, fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			require.Equal(t, f.Run.Status, string(run.Status))
			require.JSONEq(t, string(f.Run.Output), string(run.Output))
			type call struct {
				StepID string
				Memos  []string
				Status int
				Ops    any
			}
			var want, got []call
			for _, c := range f.Calls {
				memos := c.StepKeys
				if memos == nil {
					memos = []string{}
				}
				want = append(want, call{c.Query["stepId"][0], memos, c.Status, opsOf(t, c.Status, c.RespBody)})
			}
			for _, c := range p.proxied() {
				got = append(got, call{c.stepID, c.memoized, c.status, opsOf(t, c.status, c.body)})
			}
			require.Equal(t, want, got, "the engine's calls and the SDK's answers are the real server's")
		})
	}
}

// stepRun runs a step named name that returns v.
func stepRun(ctx context.Context, name, v string) (string, error) {
	return step.Run(ctx, name, func(context.Context) (string, error) { return v, nil })
}

// TestFinalFailuresAsRecorded replays the real dev server's final-failure
// recording on the engine: a NoRetry error and a RetryAfter error on the
// last attempt (Retries: 1), from a step and from the function, fail the
// run after the same calls as there, with the same statuses, ops, and
// X-Inngest-No-Retry and Retry-After headers (never Retry-After beside
// No-Retry: true), and the same output.
func TestFinalFailuresAsRecorded(t *testing.T) {
	t.Parallel()
	rec := readWireCase(t, "wire-noretry.json")
	fns := map[string]struct {
		retries int
		inStep  bool
		err     func() error
	}{
		"step-noretry":     {0, true, func() error { return inngest.NoRetry(errors.New("card declined")) }},
		"fn-noretry":       {0, false, func() error { return inngest.NoRetry(errors.New("card declined")) }},
		"step-retry-after": {1, true, func() error { return inngest.RetryAfter(errors.New("rate limited"), 3*time.Second) }},
		"fn-retry-after":   {1, false, func() error { return inngest.RetryAfter(errors.New("rate limited"), 3*time.Second) }},
	}
	require.Len(t, rec.Functions, len(fns))
	for _, f := range rec.Functions {
		t.Run(f.Function, func(t *testing.T) {
			t.Parallel()
			spec, ok := fns[f.Function]
			require.True(t, ok, f.Function)
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
			env.SetAutoAdvance(true)
			fn := newFn(t, env, inngest.FunctionOpts{ID: f.Function, Retries: spec.retries, Checkpoint: noCheckpoint}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					if !spec.inStep {
						return "", spec.err()
					}
					return step.Run(ctx, "charge", func(context.Context) (string, error) { return "", spec.err() })
				})
			p := newCutProxy(t, env, fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			run := env.WaitForRun(t, ids[0])
			require.Equal(t, f.Run.Status, string(run.Status))
			require.JSONEq(t, string(f.Run.Output), string(run.Output))
			type call struct {
				Attempt             int
				Memos               []string
				Status              int
				NoRetry, RetryAfter string
				Ops                 any
			}
			var want, got []call
			for _, c := range f.Calls {
				memos := c.StepKeys
				if memos == nil {
					memos = []string{}
				}
				want = append(want, call{c.Attempt, memos, c.Status, c.RespHeader["X-Inngest-No-Retry"], c.RespHeader["Retry-After"], failureOps(t, c.Status, c.RespBody)})
				require.False(t, c.RespHeader["X-Inngest-No-Retry"] == "true" && c.RespHeader["Retry-After"] != "", "the server saw Retry-After beside No-Retry: true")
			}
			for _, c := range p.proxied() {
				got = append(got, call{c.attempt, c.memoized, c.status, c.noRetry, c.retryAfter, failureOps(t, c.status, c.body)})
			}
			require.Equal(t, want, got, "the engine's calls and the SDK's answers are the real server's")
		})
	}
}

// failureOps returns what a replay compares of a failure answer: a 206's ops
// (op, id, name and error), else the body as JSON.
func failureOps(t *testing.T, status int, body []byte) any {
	t.Helper()
	if status != 206 {
		var v any
		require.NoError(t, json.Unmarshal(body, &v))
		return v
	}
	var ops []struct {
		Op    string `json:"op"`
		ID    string `json:"id"`
		Name  string `json:"name"`
		Error any    `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &ops))
	return ops
}
