package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// checkpointBody is the part of an async checkpoint request the tests look at.
type checkpointBody struct {
	RunID            string `json:"run_id"`
	RequestStartedAt int64  `json:"request_started_at"`
	Steps            []struct {
		Op   string          `json:"op"`
		Name string          `json:"name"`
		Data json.RawMessage `json:"data"`
	} `json:"steps"`
}

func checkpointedSteps(t *testing.T, api *fakeAPI) []string {
	t.Helper()
	var names []string
	for _, r := range api.requests("/v1/checkpoint/") {
		var b checkpointBody
		require.NoError(t, json.Unmarshal(r.Body, &b))
		for _, s := range b.Steps {
			names = append(names, s.Op+" "+s.Name)
		}
	}
	return names
}

// With checkpointing on, a failing step is reported as its own StepError in a 206,
// in the shape of the capture retry-step.jsonl and of the conformance case
// retry-basic, never as a function-level error; the steps run before it are
// checkpointed first, or, when the checkpoint API fails, sent in the same 206.
func TestCheckpointStepErrorIsStepOp(t *testing.T) {
	t.Parallel()
	fails := func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
		if _, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "a", nil }); err != nil {
			return "", err
		}
		return step.Run(ctx, "first step", func(ctx context.Context) (string, error) { return "", errors.New("broken") })
	}
	for _, tc := range []struct {
		name        string
		apiStatus   int
		wantOps     []string
		checkpoints []string
	}{
		{"checkpoint ok", http.StatusOK, []string{"StepError"}, []string{"StepRun a"}},
		{"checkpoint fails", http.StatusServiceUnavailable, []string{"StepRun", "StepError"}, []string{"StepRun a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(tc.apiStatus) })
			c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 10, BatchInterval: time.Hour}})
			h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "retry"}, inngest.OnEvent(evTest), fails))
			rec := post(h, "wirecap-retry", "", call{}.body())
			require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
			require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"))
			ops := decodeOps(t, rec.Body.Bytes())
			var got []string
			for _, op := range ops {
				got = append(got, op.Op)
			}
			require.Equal(t, tc.wantOps, got)
			last := ops[len(ops)-1]
			// The conformance runner's hash of "first step" and the captured error shape.
			require.Equal(t, "98bf98df193bcce7c33e6bc50927cf2ac21206cb", last.ID)
			require.Equal(t, "first step", last.Name)
			require.Equal(t, "broken", last.Error.Message)
			require.Equal(t, tc.checkpoints, checkpointedSteps(t, api))
		})
	}
}

// A completed step is checkpointed within the batch interval even while the next
// step runs: the call is then cancelled mid-function (the step never ends on its
// own), and the first step's result has already reached the server.
func TestCheckpointIntervalFlushesWhileNextStepRuns(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if bytes.Contains(body, []byte(`"name":"done-early"`)) {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 50, BatchInterval: 20 * time.Millisecond}})
	blocking := make(chan struct{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "long"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			if _, err := step.Run(ctx, "done-early", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			return step.Run(ctx, "runs-forever", func(ctx context.Context) (string, error) {
				close(blocking)
				<-ctx.Done()
				return "", ctx.Err()
			})
		}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=wirecap-long&stepId=step", bytes.NewReader(call{}.body())).WithContext(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	<-blocking
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the completed step was not checkpointed while the next step ran")
	}
	cancel() // the call is killed mid-function
	<-served
	require.Contains(t, checkpointedSteps(t, api), "StepRun done-early")
}

// A call on attempt N>0 (a retry) executes one step, with checkpointing too: the
// server judges every step error a call reports by the call's attempt (a
// checkpoint does not change that), so the retried step, once it succeeds, goes
// out in the 206 and the call ends; the step after it starts in a new call at
// attempt 0 and a failure there is a StepError (retried), not a StepFailed.
// Before, the later step ran in the retried call and its failure was final on
// the server.
func TestRetriedCallEndsAfterItsStep(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 1, BatchInterval: time.Hour}})
	var laterAttempts []int
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "attempts"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			if _, err := step.Run(ctx, "retried", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			return step.Run(ctx, "later", func(ctx context.Context) (string, error) {
				laterAttempts = append(laterAttempts, in.Attempt)
				return "", errors.New("flaky")
			})
		}))
	rec := post(h, "wirecap-attempts", "", call{Attempt: 4, MaxAttempts: 5}.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	ops := decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1)
	require.Equal(t, "StepRun", ops[0].Op)
	require.Equal(t, "retried", ops[0].Name)
	require.Empty(t, laterAttempts, "the later step does not run in the retried call")
	require.Empty(t, checkpointedSteps(t, api), "reported in the 206, as in the classic protocol")

	steps := fmt.Sprintf(`{%q:{"data":1}}`, wire.HashID("retried", 0))
	rec = post(h, "wirecap-attempts", "", call{Steps: steps, MaxAttempts: 5}.body())
	ops = decodeOps(t, rec.Body.Bytes())
	require.Len(t, ops, 1)
	require.Equal(t, "StepError", ops[0].Op)
	require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"))
	require.Equal(t, []int{0}, laterAttempts)

	// The retried step itself keeps the call's attempt: its last failure is final.
	h = serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "attempts"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "retried", func(ctx context.Context) (string, error) { return "", errors.New("still") })
		}))
	rec = post(h, "wirecap-attempts", "", call{Attempt: 4, MaxAttempts: 5}.body())
	require.Equal(t, "StepFailed", decodeOps(t, rec.Body.Bytes())[0].Op)
}

// Checkpoints use the call's context, not the one the user passed to step.Run (an
// expired user deadline does not fail the flush), and carry request_started_at.
func TestCheckpointUsesCallContext(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 1, BatchInterval: time.Hour}})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "deadline"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			short, cancel := context.WithCancel(ctx)
			cancel()
			return step.Run(short, "a", func(ctx context.Context) (string, error) { return "a", nil })
		}))
	before := time.Now().UnixMilli()
	rec := post(h, "wirecap-deadline", "", call{}.body())
	require.Equal(t, http.StatusOK, rec.Code, "the step must be checkpointed and the function complete: %s", rec.Body.String())
	cps := api.requests("/v1/checkpoint/")
	require.Len(t, cps, 1)
	var b checkpointBody
	require.NoError(t, json.Unmarshal(cps[0].Body, &b))
	require.GreaterOrEqual(t, b.RequestStartedAt, before)
	require.LessOrEqual(t, b.RequestStartedAt, time.Now().UnixMilli())
	require.Equal(t, wire.HashID("a", 0), "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8")
}

// The captured step failures (retry-step, step-fails-final) replayed with
// checkpointing on give the captured ops: the failing step's StepError or
// StepFailed in a 206, never a function-level error.
func TestCheckpointOnReplaysCapturedStepErrors(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"retry-step", "step-fails-final"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, nil)
			c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 10}})
			h := serve.Handler(c, wireFunctions(t, c, &failureSeen{})...)
			replayed := 0
			for _, call := range calls(loadCapture(t, name)) {
				if call.Status != http.StatusPartialContent || !bytes.Contains(call.RespBody, []byte(`"op":"Step`)) ||
					!(bytes.Contains(call.RespBody, []byte(`"StepError"`)) || bytes.Contains(call.RespBody, []byte(`"StepFailed"`))) {
					continue
				}
				rec := do(h, http.MethodPost, call.URL, call.ReqBody, nil)
				require.Equal(t, http.StatusPartialContent, rec.Code, "%s #%d: %s", name, call.Seq, rec.Body.String())
				requireSameOps(t, call.RespBody, rec.Body.Bytes())
				require.Equal(t, call.RespHeaders["X-Inngest-No-Retry"] == "true", rec.Header().Get("X-Inngest-No-Retry") == "true")
				replayed++
			}
			require.Positive(t, replayed)
		})
	}
}

// A timer flush that fails loses nothing: checkpointing stops for the call and the
// buffered step goes out in the 206 with the step that was running meanwhile.
func TestCheckpointTimerFlushFailureKeepsSteps(t *testing.T) {
	t.Parallel()
	tried := make(chan struct{}, 1)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusServiceUnavailable)
		select {
		case tried <- struct{}{}:
		default:
		}
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 50, BatchInterval: 10 * time.Millisecond}})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "timer-fails"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			if _, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return 0, err
			}
			if _, err := step.Run(ctx, "second", func(ctx context.Context) (int, error) {
				<-tried // the timer's flush was tried (and failed) while this step ran
				return 2, nil
			}); err != nil {
				return 0, err
			}
			return step.Run(ctx, "third", func(ctx context.Context) (int, error) { return 3, nil })
		}))
	rec := post(h, "wirecap-timer-fails", "", call{}.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	var names []string
	for _, op := range decodeOps(t, rec.Body.Bytes()) {
		names = append(names, op.Op+" "+op.Name)
	}
	// "third" ran too when the failure arrived after its Decide, else it is planned.
	require.GreaterOrEqual(t, len(names), 2)
	require.Equal(t, []string{"StepRun first", "StepRun second"}, names[:2])
	if len(names) > 2 {
		require.Len(t, names, 3)
		require.Contains(t, []string{"StepRun third", "StepPlanned third"}, names[2])
	}
	require.Len(t, api.requests("/v1/checkpoint/"), 1, "no checkpoint after a failed one in the same call")
}
