package serve_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// call describes a call request body built by a test.
type call struct {
	Event       string // event name, default "wirecap/test"
	Data        string // event data JSON, default {}
	Steps       string // steps JSON, default {}
	Attempt     int
	MaxAttempts int // default 5
	DIE         bool
	UseAPI      bool
	Events      string // events JSON, default [event]
}

func (c call) body() []byte {
	if c.Event == "" {
		c.Event = "wirecap/test"
	}
	if c.Data == "" {
		c.Data = "{}"
	}
	if c.Steps == "" {
		c.Steps = "{}"
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	ev := fmt.Sprintf(`{"data":%s,"id":"01KEVENT000000000000000000","name":%q,"ts":1767225600000,"user":{}}`, c.Data, c.Event)
	if c.Events == "" {
		c.Events = "[" + ev + "]"
	}
	return []byte(fmt.Sprintf(`{"ctx":{"attempt":%d,"disable_immediate_execution":%t,"env":"","fn_id":"8d9c2c6e-5a7b-3f0e-9a1d-2b6a1c0e7f11","generation_id":1,"job_id":"job1","max_attempts":%d,"qi_id":"cWk=","request_id":"01KREQ0000000000000000000","run_id":"01KRUN0000000000000000000","stack":{"current":0,"stack":[]},"step_id":"step","use_api":%t},"defers":{},"event":%s,"events":%s,"steps":%s,"use_api":%t,"version":2}`,
		c.Attempt, c.DIE, c.MaxAttempts, c.UseAPI, ev, c.Events, c.Steps, c.UseAPI))
}

var evTest = def("wirecap/test")

func post(h http.Handler, fnID, stepID string, body []byte) *httptest.ResponseRecorder {
	if stepID == "" {
		stepID = "step"
	}
	return do(h, http.MethodPost, "/api/inngest?fnId="+fnID+"&stepId="+stepID, body, nil)
}

func oneStep(ctx context.Context, in inngest.Input[anyData]) (string, error) {
	return step.Run(ctx, "only", func(ctx context.Context) (string, error) { return "ran", nil })
}

func TestCallRunImmediateAndPlanned(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "one"}, inngest.OnEvent(evTest), oneStep))
	for _, tc := range []struct {
		name string
		die  bool
		op   string
	}{{"immediate", false, "StepRun"}, {"planned", true, "StepPlanned"}} {
		rec := post(h, "wirecap-one", "", call{DIE: tc.die}.body())
		require.Equal(t, 206, rec.Code, rec.Body.String())
		requireSDKHeaders(t, rec.Header())
		ops := decodeOps(t, rec.Body.Bytes())
		require.Len(t, ops, 1)
		require.Equal(t, tc.op, ops[0].Op)
		require.Equal(t, wire.HashID("only", 0), ops[0].ID)
		checkGolden(t, "protocol/run-"+tc.name, rec)
	}
	// Targeted at the planned step: it runs.
	rec := post(h, "wirecap-one", wire.HashID("only", 0), call{DIE: true}.body())
	require.Equal(t, 206, rec.Code)
	ops := decodeOps(t, rec.Body.Bytes())
	require.Equal(t, "StepRun", ops[0].Op)
	require.JSONEq(t, `"ran"`, string(ops[0].Data))
	// Targeted at a step that does not exist: 500, retriable.
	rec = post(h, "wirecap-one", wire.HashID("nope", 0), call{DIE: true}.body())
	require.Equal(t, 500, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"))
	checkGolden(t, "protocol/target-not-found", rec)
}

func TestCallStepErrorThenFailedByAttempt(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	var runs atomic.Int32
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "flaky", Retries: 2}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "flaky", func(ctx context.Context) (string, error) {
				runs.Add(1)
				return "", errors.New("boom")
			})
		}))
	for _, tc := range []struct {
		attempt int
		op      string
		noRetry string
	}{{0, "StepError", "false"}, {1, "StepError", "false"}, {2, "StepFailed", "true"}} {
		rec := post(h, "wirecap-flaky", "", call{Attempt: tc.attempt, MaxAttempts: 3}.body())
		require.Equal(t, 206, rec.Code)
		require.Equal(t, tc.noRetry, rec.Header().Get("X-Inngest-No-Retry"), "attempt %d", tc.attempt)
		ops := decodeOps(t, rec.Body.Bytes())
		require.Len(t, ops, 1)
		require.Equal(t, tc.op, ops[0].Op)
		require.Equal(t, "boom", ops[0].Error.Message)
		checkGolden(t, fmt.Sprintf("protocol/step-attempt-%d", tc.attempt), rec)
	}
	require.EqualValues(t, 3, runs.Load())
}

func TestCallMemoizedFailure(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	var got atomic.Pointer[inngest.StepError]
	handled := mustFn(t, c, inngest.FunctionOpts{ID: "handled"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			_, err := step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "", nil })
			var se *inngest.StepError
			if !errors.As(err, &se) {
				return "", fmt.Errorf("want a StepError, got %v", err)
			}
			got.Store(se)
			return "handled", nil
		})
	unhandled := mustFn(t, c, inngest.FunctionOpts{ID: "unhandled"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "", nil })
		})
	h := serve.Handler(c, handled, unhandled)
	steps := fmt.Sprintf(`{%q:{"error":{"name":"Step failed","message":"gone","data":{"x":1}}}}`, wire.HashID("s", 0))
	rec := post(h, "wirecap-handled", "", call{Steps: steps}.body())
	require.Equal(t, 200, rec.Code, rec.Body.String())
	se := got.Load()
	require.NotNil(t, se)
	require.Equal(t, "s", se.StepID)
	require.Equal(t, "Step failed", se.Name)
	require.Equal(t, "gone", se.Message)
	require.JSONEq(t, `{"x":1}`, string(se.Data))

	rec = post(h, "wirecap-unhandled", "", call{Steps: steps}.body())
	require.Equal(t, 400, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
	checkGolden(t, "protocol/memo-failure-unhandled", rec)
}

func TestCallFunctionErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, _ := devClient(t, inngest.ClientOptions{})
	mk := func(id string, err error) inngest.ServableFunction {
		return mustFn(t, c, inngest.FunctionOpts{ID: id}, inngest.OnEvent(evTest),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "", err })
	}
	stepRA := mustFn(t, c, inngest.FunctionOpts{ID: "step-retry-after"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "s", func(ctx context.Context) (string, error) {
				return "", inngest.RetryAfter(errors.New("rate limited"), now.Add(90*time.Second))
			})
		})
	h, err := serve.New(c, serve.Options{Now: func() time.Time { return now }},
		mk("plain", errors.New("plain failure")),
		mk("no-retry", inngest.NoRetry(errors.New("bad input"))),
		mk("retry-after", inngest.RetryAfter(errors.New("later"), now.Add(30*time.Second))),
		mk("retry-after-far", inngest.RetryAfter(errors.New("much later"), now.Add(72*time.Hour))),
		// A final failure never carries Retry-After (the spec: with Retry-After,
		// X-Inngest-No-Retry must be false).
		mk("retry-after-no-retry", inngest.RetryAfter(inngest.NoRetry(errors.New("final")), now.Add(30*time.Second))),
		stepRA)
	require.NoError(t, err)
	for _, tc := range []struct {
		id         string
		status     int
		noRetry    string
		retryAfter string
		last       bool // the call is the step's last attempt
	}{
		{"plain", 500, "false", "", false},
		{"no-retry", 400, "true", "", false},
		{"retry-after", 500, "false", "30", false},
		{"retry-after-far", 500, "false", "86400", false},
		{"retry-after-no-retry", 400, "true", "", false},
		{"step-retry-after", 206, "false", "90", false},
		{"step-retry-after-last", 206, "true", "", true},
	} {
		fn, body := tc.id, call{}.body()
		if tc.last {
			fn, body = "step-retry-after", call{Attempt: 2, MaxAttempts: 3}.body()
		}
		rec := post(h, "wirecap-"+fn, "", body)
		require.Equal(t, tc.status, rec.Code, "%s: %s", tc.id, rec.Body.String())
		requireSDKHeaders(t, rec.Header())
		require.Equal(t, tc.noRetry, rec.Header().Get("X-Inngest-No-Retry"), tc.id)
		require.Equal(t, tc.retryAfter, rec.Header().Get("Retry-After"), tc.id)
		checkGolden(t, "protocol/fn-error-"+tc.id, rec)
	}
}

func TestCallInvokeMemos(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			out, err := step.Invoke(ctx, "call", inngest.Ref[childIn, childOut]("other-app-child"), childIn{Numbers: []int{1}}, time.Minute)
			var se *inngest.StepError
			if errors.As(err, &se) {
				return anyData{"error_name": se.Name, "error_message": se.Message}, nil
			}
			return anyData{"sum": out.Sum}, err
		}))
	hash := wire.HashID("call", 0)
	for _, tc := range []struct{ name, memo, want string }{
		{"ok", `{"data":{"sum":7,"child_event_name":"inngest/function.invoked"}}`, `{"sum":7}`},
		{"error", `{"error":{"name":"Error","message":"child exploded"}}`, `{"error_name":"Error","error_message":"child exploded"}`},
		{"timeout", `{"error":{"error":"InngestInvokeTimeoutError","message":"Timed out waiting for invoked function to complete","name":"InngestInvokeTimeoutError"}}`,
			`{"error_name":"InngestInvokeTimeoutError","error_message":"Timed out waiting for invoked function to complete"}`},
	} {
		rec := post(h, "wirecap-parent", "", call{Steps: fmt.Sprintf(`{%q:%s}`, hash, tc.memo)}.body())
		require.Equal(t, 200, rec.Code, rec.Body.String())
		require.JSONEq(t, tc.want, rec.Body.String(), tc.name)
	}
	rec := post(h, "wirecap-parent", "", call{}.body())
	require.Equal(t, 206, rec.Code)
	checkGolden(t, "protocol/invoke-op", rec)
}

func TestCallSendEventRequest(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write([]byte(`{"ids":["01KSENT0000000000000000000"],"status":200}`))
	})
	c, _ := devClient(t, inngest.ClientOptions{EventAPIBaseURL: api.URL, EventKey: "my-event-key", Env: "branch-1"})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "send"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) ([]string, error) {
			return step.SendEvent(ctx, "send-one", evSent.New(anyData{"hello": "world"}))
		}))
	rec := post(h, "wirecap-send", "", call{}.body())
	require.Equal(t, 206, rec.Code, rec.Body.String())
	ops := decodeOps(t, rec.Body.Bytes())
	require.Equal(t, "StepRun", ops[0].Op)
	require.JSONEq(t, `["01KSENT0000000000000000000"]`, string(ops[0].Data))
	require.JSONEq(t, `{"type":"step.sendEvent"}`, string(ops[0].Opts))
	sent := api.requests("/e/")
	require.Len(t, sent, 1)
	r := sent[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/e/my-event-key", r.Path)
	require.JSONEq(t, `[{"name":"wirecap/sent.by.step","data":{"hello":"world"}}]`, string(r.Body))
	require.Equal(t, sdkHeader, r.Header.Get("X-Inngest-SDK"))
	require.Equal(t, "branch-1", r.Header.Get("X-Inngest-Env"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	seed := r.Header.Get("X-Inngest-Event-Id-Seed")
	m := regexp.MustCompile(`^(\d+),([A-Za-z0-9+/]+=*)$`).FindStringSubmatch(seed)
	require.NotNil(t, m, seed)
	ms, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	require.Greater(t, ms, int64(1_700_000_000_000))
	raw, err := base64.StdEncoding.DecodeString(m[2])
	require.NoError(t, err)
	require.Len(t, raw, 10)
}

func TestCallUseAPI(t *testing.T) {
	t.Parallel()
	hash := wire.HashID("only", 0)
	var fail atomic.Bool
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case "/v0/runs/01KRUN0000000000000000000/batch":
			_, _ = w.Write([]byte(`[{"data":{"big":"from-api"},"id":"01KE","name":"wirecap/test","ts":1,"user":{}}]`))
		case "/v0/runs/01KRUN0000000000000000000/actions":
			if fail.Load() {
				w.WriteHeader(http.StatusGone)
				_, _ = w.Write([]byte(`{"error":"state gone"}`))
				return
			}
			_, _ = fmt.Fprintf(w, `{%q:{"data":"memo-from-api"}}`, hash)
		default:
			w.WriteHeader(404)
		}
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, SigningKey: "signkey-test-12345678"})
	var ran atomic.Int32
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "big"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			ran.Add(1)
			v, err := step.Run(ctx, "only", func(ctx context.Context) (string, error) { return "ran", nil })
			return anyData{"big": in.Event.Data["big"], "step": v, "events": len(in.Events)}, err
		}))
	body := call{UseAPI: true, Data: `{}`, Events: `[]`}.body()
	rec := post(h, "wirecap-big", "", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"big":"from-api","step":"memo-from-api","events":1}`, rec.Body.String())
	for _, r := range api.requests("/v0/runs/") {
		require.Equal(t, http.MethodGet, r.Method)
		require.Equal(t, "Bearer "+wire.HashSigningKey("signkey-test-12345678"), r.Header.Get("Authorization"))
	}
	require.Len(t, api.requests("/v0/runs/"), 2)

	fail.Store(true)
	ran.Store(0)
	rec = post(h, "wirecap-big", "", body)
	require.Equal(t, 500, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"))
	require.EqualValues(t, 0, ran.Load(), "user code must not run without its state")
}

func tenSteps(ctx context.Context, in inngest.Input[anyData]) (int, error) {
	sum := 0
	for i := 1; i <= 10; i++ {
		v, err := step.Run(ctx, fmt.Sprintf("s%d", i), func(ctx context.Context) (int, error) { return i, nil })
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func checkpointedOps(t *testing.T, reqs []recorded) []opCore {
	t.Helper()
	var all []opCore
	for _, r := range reqs {
		var b struct {
			Steps []opCore `json:"steps"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &b))
		all = append(all, b.Steps...)
	}
	return all
}

func TestCheckpointTenSteps(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: inngest.DefaultCheckpointBatchSteps}})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "ten"}, inngest.OnEvent(evTest), tenSteps))
	rec := post(h, "wirecap-ten", "", call{}.body())
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Equal(t, "55", rec.Body.String())
	cps := api.requests("/v1/checkpoint/")
	require.NotEmpty(t, cps)
	require.LessOrEqual(t, len(cps), 2)
	ops := checkpointedOps(t, cps)
	require.Len(t, ops, 10)
	for i, op := range ops {
		require.Equal(t, "StepRun", op.Op)
		require.Equal(t, wire.HashID(fmt.Sprintf("s%d", i+1), 0), op.ID)
	}

	// Targeted and DIE calls never checkpoint.
	before := len(api.requests("/v1/checkpoint/"))
	rec = post(h, "wirecap-ten", wire.HashID("s1", 0), call{DIE: true}.body())
	require.Equal(t, 206, rec.Code)
	require.Len(t, decodeOps(t, rec.Body.Bytes()), 1)
	rec = post(h, "wirecap-ten", "", call{DIE: true}.body())
	require.Equal(t, 206, rec.Code)
	require.Equal(t, "StepPlanned", decodeOps(t, rec.Body.Bytes())[0].Op)
	require.Equal(t, before, len(api.requests("/v1/checkpoint/")))
}

func TestCheckpointFailureFallsBackTo206(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{50, 3} {
		t.Run(strconv.Itoa(batch), func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				w.WriteHeader(500)
				_, _ = w.Write([]byte(`{"error":"down"}`))
			})
			c, logs := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: batch, BatchInterval: time.Hour}})
			h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "ten"}, inngest.OnEvent(evTest), tenSteps))
			rec := post(h, "wirecap-ten", "", call{}.body())
			require.Equal(t, 206, rec.Code, rec.Body.String())
			requireSDKHeaders(t, rec.Header())
			ops := decodeOps(t, rec.Body.Bytes())
			want := min(batch, 10)
			require.Len(t, ops, want, "every step that ran is reported")
			for i, op := range ops {
				require.Equal(t, "StepRun", op.Op)
				require.Equal(t, wire.HashID(fmt.Sprintf("s%d", i+1), 0), op.ID)
				require.JSONEq(t, strconv.Itoa(i+1), string(op.Data))
			}
			require.NotEmpty(t, api.requests("/v1/checkpoint/"))
			require.Contains(t, logs.String(), "checkpoint failed")
		})
	}
}

func TestStreaming(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	c, _ := devClient(t, inngest.ClientOptions{Streaming: true})
	fn := mustFn(t, c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "wait", func(ctx context.Context) (string, error) {
				<-release
				return "done", nil
			})
		})
	h, err := serve.New(c, serve.Options{KeepAliveInterval: time.Millisecond}, fn)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/inngest?fnId=wirecap-slow&stepId=step", "application/json", strings.NewReader(string(call{}.body())))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	requireSDKHeaders(t, resp.Header)
	br := bufio.NewReader(resp.Body)
	b, err := br.ReadByte()
	require.NoError(t, err)
	require.Equal(t, byte(' '), b, "keep-alive whitespace comes first")
	close(release)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	var env struct {
		Status  int               `json:"status"`
		Body    json.RawMessage   `json:"body"`
		Headers map[string]string `json:"headers"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(string(rest))), &env), "%q", rest)
	require.Equal(t, 206, env.Status)
	require.Equal(t, "false", env.Headers["X-Inngest-No-Retry"])
	ops := decodeOps(t, env.Body)
	require.Len(t, ops, 1)
	require.Equal(t, "StepRun", ops[0].Op)
	require.JSONEq(t, `"done"`, string(ops[0].Data))
}
