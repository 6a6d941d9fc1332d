package durable_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/durable"
	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// checkpointReq is one request the app made to the engine's checkpoint API.
type checkpointReq struct {
	Path  string
	Steps []struct {
		Op   string          `json:"op"`
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Data json.RawMessage `json:"data"`
	} `json:"steps"`
}

// env is an engine serving its API over loopback HTTP, recording the
// checkpoint requests it gets, and a durable endpoint served in front of it.
type env struct {
	eng *engine.Engine
	app *httptest.Server

	mu          sync.Mutex
	checkpoints []checkpointReq
	resumes     atomic.Int32 // calls from the engine carrying X-Run-Id
}

func newEnv(t *testing.T, opts durable.Options, h http.HandlerFunc) *env {
	t.Helper()
	return newEnvTB(t, opts, h)
}

func newEnvTB(t testing.TB, opts durable.Options, h http.HandlerFunc) *env {
	t.Helper()
	eng, err := engine.New(engine.Options{RetryBackoff: func(int) time.Duration { return 20 * time.Millisecond }})
	require.NoError(t, err)
	e := &env{eng: eng}
	api := eng.Handler()
	engSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/checkpoint") && r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			var c checkpointReq
			require.NoError(t, json.Unmarshal(body, &c))
			c.Path = r.URL.Path
			e.mu.Lock()
			e.checkpoints = append(e.checkpoints, c)
			e.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		api.ServeHTTP(w, r)
	}))
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "durable-test", Mode: inngest.ModeDev,
		APIBaseURL: engSrv.URL, EventAPIBaseURL: engSrv.URL})
	require.NoError(t, err)
	dh := durable.Handler(client, opts, h)
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Run-Id") != "" {
			e.resumes.Add(1)
		}
		dh.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.app.Close()
		require.NoError(t, eng.Close())
		engSrv.Close()
	})
	return e
}

// stepOps lists the names of the ops of kind op in every checkpoint, in order.
func (e *env) stepOps(op string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.checkpoints {
		for _, s := range c.Steps {
			if s.Op == op {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

func (e *env) paths() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.checkpoints {
		out = append(out, c.Path)
	}
	return out
}

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func waitRun(t *testing.T, eng *engine.Engine, id string) runtype.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := eng.WaitForRun(ctx, id)
	require.NoError(t, err)
	return run
}

// order is a handler with two steps: add one to the body's n, then double.
func order(a, b *atomic.Int32, beforeB func(ctx context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct{ N int }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		n, err := step.Run(r.Context(), "add", func(context.Context) (int, error) { a.Add(1); return in.N + 1, nil })
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m, err := step.Run(r.Context(), "double", func(ctx context.Context) (int, error) {
			b.Add(1)
			if beforeB != nil {
				if err := beforeB(ctx); err != nil {
					return 0, err
				}
			}
			return n * 2, nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]int{"total": m})
	}
}

func post(t *testing.T, c *http.Client, url, body string) *http.Response {
	t.Helper()
	resp, err := c.Post(url+"/orders?src=test", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// A request whose steps all succeed finishes inline: each step runs once and
// is checkpointed once, the first creating the run, and the handler's
// response is the run's result and the client's answer.
func TestInlineRequestCheckpointsEachStepOnce(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	e := newEnv(t, durable.Options{}, order(&a, &b, nil))
	resp := post(t, noRedirect, e.app.URL, `{"n":2}`)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	require.JSONEq(t, `{"total":6}`, string(body))
	require.EqualValues(t, 1, a.Load())
	require.EqualValues(t, 1, b.Load())
	require.Equal(t, []string{"add", "double"}, e.stepOps("StepRun"))
	runID := resp.Header.Get("X-Run-Id")
	require.Equal(t, []string{"/v1/checkpoint", "/v1/checkpoint/" + runID + "/steps", "/v1/checkpoint/" + runID + "/steps"}, e.paths())
	run := waitRun(t, e.eng, runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `{"total":6}`, string(run.Output))
	require.Zero(t, e.resumes.Load(), "nothing ran asynchronously")
}

// A handler that panics after its first step hands the run over: the client
// is redirected to the run's output, the engine calls the endpoint back, and
// the remaining step runs there; the completed step never runs again.
func TestPanicMidwayFinishesAsynchronously(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	var panicked atomic.Bool
	e := newEnv(t, durable.Options{}, func(w http.ResponseWriter, r *http.Request) {
		var in struct{ N int }
		_ = json.NewDecoder(r.Body).Decode(&in)
		n, _ := step.Run(r.Context(), "add", func(context.Context) (int, error) { a.Add(1); return in.N + 1, nil })
		if panicked.CompareAndSwap(false, true) {
			panic("boom between steps")
		}
		m, _ := step.Run(r.Context(), "double", func(context.Context) (int, error) { b.Add(1); return n * 2, nil })
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]int{"total": m})
	})
	resp := post(t, noRedirect, e.app.URL, `{"n":2}`)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.Contains(t, loc, "/v1/checkpoint/"+resp.Header.Get("X-Run-Id")+"/output?token=")

	out, err := http.Get(loc) // waits for the run
	require.NoError(t, err)
	defer out.Body.Close()
	outBody, _ := io.ReadAll(out.Body)
	require.Equal(t, http.StatusOK, out.StatusCode)
	require.JSONEq(t, `{"total":6}`, string(outBody))

	run := waitRun(t, e.eng, resp.Header.Get("X-Run-Id"))
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `{"total":6}`, string(run.Output))
	require.EqualValues(t, 1, a.Load(), "the completed step ran once")
	require.EqualValues(t, 1, b.Load(), "the remaining step ran once")
	require.GreaterOrEqual(t, e.resumes.Load(), int32(2), "the engine called the endpoint back")
	require.Equal(t, []string{"complete"}, e.stepOps("StepError"))
}

// A step that fails with retries left is retried asynchronously; the step
// before it is not run again.
func TestStepErrorRetriedAsynchronously(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	e := newEnv(t, durable.Options{}, order(&a, &b, func(context.Context) error {
		if b.Load() == 1 {
			return errors.New("payment provider down")
		}
		return nil
	}))
	resp := post(t, noRedirect, e.app.URL, `{"n":4}`)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	run := waitRun(t, e.eng, resp.Header.Get("X-Run-Id"))
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `{"total":10}`, string(run.Output))
	require.EqualValues(t, 1, a.Load())
	require.EqualValues(t, 2, b.Load(), "failed once, then succeeded in the engine's call")
	require.Equal(t, []string{"double"}, e.stepOps("StepError"))
}

// With OnAsync the client's answer is the developer's.
func TestOnAsyncWritesTheAnswer(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	asyncs := make(chan durable.Async, 1)
	e := newEnv(t, durable.Options{OnAsync: func(w http.ResponseWriter, _ *http.Request, as durable.Async) {
		asyncs <- as
		w.WriteHeader(http.StatusAccepted)
	}}, order(&a, &b, func(context.Context) error {
		if b.Load() == 1 {
			return errors.New("later")
		}
		return nil
	}))
	resp := post(t, noRedirect, e.app.URL, `{"n":1}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	got := <-asyncs
	require.Equal(t, "step error", got.Reason)
	require.Equal(t, resp.Header.Get("X-Run-Id"), got.RunID)
	require.NotEmpty(t, got.OutputURL)
	require.Equal(t, runtype.StatusCompleted, waitRun(t, e.eng, got.RunID).Status)
}

// Bad input gets a clear status: an oversized body is refused before
// anything runs.
func TestOversizedBody(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	e := newEnv(t, durable.Options{}, order(&a, &b, nil))
	resp := post(t, noRedirect, e.app.URL, strings.Repeat("x", durable.MaxRequestBody+1))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Zero(t, a.Load())
	require.Empty(t, e.paths())
}

// In cloud mode a resume call must be signed: a forged X-Run-Id runs nothing.
func TestUnsignedResumeRefusedInCloudMode(t *testing.T) {
	t.Parallel()
	var a atomic.Int32
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "durable-test", Mode: inngest.ModeCloud,
		SigningKey: "signkey-test-12345678", APIBaseURL: "http://127.0.0.1:1", EventAPIBaseURL: "http://127.0.0.1:1"})
	require.NoError(t, err)
	h := durable.Handler(client, durable.Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = step.Run(r.Context(), "a", func(context.Context) (int, error) { a.Add(1); return 1, nil })
	}))
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{}`))
	req.Header.Set("X-Run-Id", "01KBX0000000000000000000A1")
	req.Header.Set("X-Inngest-Signature", "t=1&s=00")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "inngest: invalid signature")
	require.Zero(t, a.Load())
}

// A step that waits (step.Sleep) hands the request over at once; the engine
// wakes the run and calls the endpoint back, which finishes it.
func TestSleepGoesAsynchronous(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	asyncs := make(chan durable.Async, 1)
	e := newEnv(t, durable.Options{OnAsync: func(w http.ResponseWriter, _ *http.Request, as durable.Async) {
		asyncs <- as
		w.WriteHeader(http.StatusAccepted)
	}}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = step.Run(r.Context(), "a", func(context.Context) (int, error) { a.Add(1); return 1, nil })
		if err := step.Sleep(r.Context(), "nap", 50*time.Millisecond); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = step.Run(r.Context(), "b", func(context.Context) (int, error) { b.Add(1); return 2, nil })
		_, _ = io.WriteString(w, `"slept"`)
	})
	resp := post(t, noRedirect, e.app.URL, `{}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	got := <-asyncs
	require.Equal(t, "wait", got.Reason)
	run := waitRun(t, e.eng, got.RunID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `"slept"`, string(run.Output))
	require.EqualValues(t, 1, a.Load())
	require.EqualValues(t, 1, b.Load())
}

// A client that goes away between steps hands the run over: the next step
// is not started in the abandoned request, and Inngest finishes the run.
func TestClientGoneBetweenSteps(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int32
	var first atomic.Bool
	first.Store(true)
	e := newEnv(t, durable.Options{}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = step.Run(r.Context(), "a", func(context.Context) (int, error) { a.Add(1); return 1, nil })
		if first.CompareAndSwap(true, false) {
			<-r.Context().Done() // the client hung up
		}
		_, _ = step.Run(r.Context(), "b", func(context.Context) (int, error) { b.Add(1); return 2, nil })
		_, _ = io.WriteString(w, `"done"`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.app.URL+"/gone", strings.NewReader(`{}`))
	require.NoError(t, err)
	go func() {
		for a.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)
	var runID string
	require.Eventually(t, func() bool {
		runs, err := e.eng.Runs()
		if err != nil || len(runs) != 1 || !runs[0].Status.Done() {
			return false
		}
		runID = runs[0].ID
		return true
	}, 20*time.Second, 10*time.Millisecond)
	run := waitRun(t, e.eng, runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `"done"`, string(run.Output))
	require.EqualValues(t, 1, a.Load())
	require.EqualValues(t, 1, b.Load(), "b ran once, in the call back")
	require.Len(t, e.stepOps("DiscoveryRequest"), 1, "the hand-over asked for a new call")
}

// With one attempt a panic is final: the client gets a plain 500 (not the
// panic's text) and the run ends failed, with nothing left to run.
func TestPanicWithoutRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, durable.Options{MaxAttempts: 1}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = step.Run(r.Context(), "a", func(context.Context) (int, error) { return 1, nil })
		panic("secret detail")
	})
	resp := post(t, noRedirect, e.app.URL, `{}`)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.NotContains(t, string(body), "secret detail")
	run := waitRun(t, e.eng, resp.Header.Get("X-Run-Id"))
	require.Equal(t, runtype.StatusFailed, run.Status)
	require.Zero(t, e.resumes.Load())
}
