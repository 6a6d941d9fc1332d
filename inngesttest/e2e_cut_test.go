package inngesttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// cutProxy sits between the engine and an app. It forwards calls, and cuts the
// call in flight for a stepId query value when a step body asks for it: it
// closes the engine's connection (the engine sees a failed request and retries)
// and the app's (the app's request context is cancelled), as a load balancer
// timing out or a server restarting does.
type cutProxy struct {
	t        *testing.T
	app      *url.URL
	tr       *http.Transport
	cuts     sync.Map      // stepId query value → chan chan struct{}
	orphaned chan struct{} // one value per cut call, once the app's handler returned

	mu    sync.Mutex
	calls []proxiedCall // every call, in arrival order
}

// proxiedCall is one call that went through a cutProxy: its stepId query
// value, ctx.attempt, the memoized steps' ids (sorted), and the app's status
// (0 for a cut call), X-Inngest-No-Retry and Retry-After headers and body.
type proxiedCall struct {
	stepID     string
	attempt    int
	memoized   []string
	status     int
	noRetry    string
	retryAfter string
	body       []byte
}

func (p *cutProxy) record(c proxiedCall) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
}

func (p *cutProxy) proxied() []proxiedCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxiedCall(nil), p.calls...)
}

func newCutProxy(t *testing.T, env *inngesttest.Env, fns ...inngest.ServableFunction) *cutProxy {
	t.Helper()
	h, err := serve.New(env.Client(), serve.Options{}, fns...)
	require.NoError(t, err)
	p := &cutProxy{t: t, tr: http.DefaultTransport.(*http.Transport).Clone(), orphaned: make(chan struct{}, 8)}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method == http.MethodPost && r.Context().Err() != nil {
			p.orphaned <- struct{}{}
		}
	}))
	t.Cleanup(app.Close)
	p.app, _ = url.Parse(app.URL)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	t.Cleanup(p.tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, env.Engine().Sync(ctx, front.URL+inngesttest.ServePath))
	return p
}

// cutCh returns the channel a step body sends on to cut the call for stepID.
func (p *cutProxy) cutCh(stepID string) chan chan struct{} {
	c, _ := p.cuts.LoadOrStore(stepID, make(chan chan struct{}))
	return c.(chan chan struct{})
}

// cut cuts the call in flight for stepID and returns once both connections are
// closed. It is called from a step body of that call.
func (p *cutProxy) cut(stepID string) {
	done := make(chan struct{})
	p.cutCh(stepID) <- done
	<-done
}

func (p *cutProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, p.app.String()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host // the app registers the URL its sync reached it at: the proxy's
	out.ContentLength = int64(len(body))
	type result struct {
		res  *http.Response
		body []byte
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := p.tr.RoundTrip(out)
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{res: res, body: b, err: err}
	}()
	var stepID string
	if ids := r.URL.Query()["stepId"]; len(ids) > 0 {
		stepID = ids[len(ids)-1]
	}
	var call struct {
		Ctx struct {
			Attempt int `json:"attempt"`
		} `json:"ctx"`
		Steps map[string]json.RawMessage `json:"steps"`
	}
	_ = json.Unmarshal(body, &call)
	rec := proxiedCall{stepID: stepID, attempt: call.Ctx.Attempt, memoized: []string{}}
	for k := range call.Steps {
		rec.memoized = append(rec.memoized, k)
	}
	sort.Strings(rec.memoized)
	select {
	case g := <-got:
		if g.err != nil {
			http.Error(w, g.err.Error(), http.StatusBadGateway)
			return
		}
		rec.status, rec.body = g.res.StatusCode, g.body
		rec.noRetry, rec.retryAfter = g.res.Header.Get("X-Inngest-No-Retry"), g.res.Header.Get("Retry-After")
		if r.Method == http.MethodPost {
			p.record(rec)
		}
		for k, v := range g.res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(g.res.StatusCode)
		_, _ = w.Write(g.body)
	case done := <-p.cutCh(stepID):
		cancel() // closes the app's connection: its request context ends
		conn, _, err := http.NewResponseController(w).Hijack()
		require.NoError(p.t, err)
		_ = conn.Close() // the engine's request fails: it retries the call
		p.record(rec)
		<-got
		close(done)
	}
}

// execCounter counts executions of step bodies, and those that ran in a call the
// server had already given up on (the call's context cancelled when the body began).
type execCounter struct {
	mu      sync.Mutex
	runs    map[string]int
	orphans map[string]int
}

func newExecCounter() *execCounter {
	return &execCounter{runs: map[string]int{}, orphans: map[string]int{}}
}

// ran records an execution of id and returns how many there were before it.
func (c *execCounter) ran(ctx context.Context, id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil {
		c.orphans[id]++
	}
	c.runs[id]++
	return c.runs[id] - 1
}

func (c *execCounter) counts() (runs, orphans map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	runs, orphans = map[string]int{}, map[string]int{}
	for k, v := range c.runs {
		runs[k] = v
	}
	for k, v := range c.orphans {
		orphans[k] = v
	}
	return runs, orphans
}

// TestE2ECutCallStartsNoNewStep: the connection of a call is cut while its
// second step runs. The orphaned call lets that step finish and persists it when
// checkpointing is on, but starts no later step: every step's body runs once
// across the orphaned call and the engine's retry (with checkpointing off, the
// step in flight runs again on the retry: its result had no way to the server),
// and the run completes with the right output.
func TestE2ECutCallStartsNoNewStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cp   inngest.CheckpointOptions
		want map[string]int
	}{
		{"checkpointing on", inngest.CheckpointOptions{BatchSteps: 10, BatchInterval: time.Hour}, map[string]int{"s1": 1, "s2": 1, "s3": 1, "s4": 1}},
		{"checkpointing on, batch of one", inngest.CheckpointOptions{BatchSteps: 1}, map[string]int{"s1": 1, "s2": 1, "s3": 1, "s4": 1}},
		{"checkpointing off", noCheckpoint, map[string]int{"s1": 1, "s2": 2, "s3": 1, "s4": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true,
				RetryBackoff: func(int) time.Duration { return time.Minute }, Client: inngest.ClientOptions{Checkpoint: tc.cp}})
			execs := newExecCounter()
			var p *cutProxy
			fn := newFn(t, env, inngest.FunctionOpts{ID: "cut"}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					out := ""
					for _, id := range []string{"s1", "s2", "s3", "s4"} {
						v, err := step.Run(ctx, id, func(ctx context.Context) (string, error) {
							if execs.ran(ctx, id) == 0 && id == "s2" {
								p.cut(wire.DiscoveryStepID)
								<-ctx.Done() // the app saw the connection close
							}
							return id, nil // the step in flight finishes
						})
						if err != nil {
							return "", err
						}
						out += v
					}
					return out, nil
				})
			p = newCutProxy(t, env, fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			select {
			case <-p.orphaned:
			case <-time.After(10 * time.Second):
				t.Fatal("the cut call's handler did not return")
			}
			env.SetAutoAdvance(true) // the engine's retry is due
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireOutput(t, run, `"s1s2s3s4"`)
			runs, orphans := execs.counts()
			require.Empty(t, orphans, "no step starts in the orphaned call after the cut")
			require.Equal(t, tc.want, runs)
		})
	}
}

// TestE2ECutCallParallel: a call cut while its step runs, followed by a
// step.Parallel, plans none of the branches in the orphaned call; a targeted
// call of a branch cut mid-step runs that branch again on the retry (targeted
// calls do not checkpoint) and nothing else twice.
func TestE2ECutCallParallel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cutAt string // the step whose first execution is cut
		want  map[string]int
	}{
		{"cut before the parallel", "first", map[string]int{"first": 1, "a": 1, "b": 1, "after": 1}},
		{"cut in a branch", "a", map[string]int{"first": 1, "a": 2, "b": 1, "after": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true,
				RetryBackoff: func(int) time.Duration { return time.Minute },
				Client:       inngest.ClientOptions{Checkpoint: inngest.CheckpointOptions{BatchSteps: 10, BatchInterval: time.Hour}}})
			execs := newExecCounter()
			var p *cutProxy
			body := func(id string) func(ctx context.Context) (string, error) {
				return func(ctx context.Context) (string, error) {
					if execs.ran(ctx, id) == 0 && id == tc.cutAt {
						stepID := wire.DiscoveryStepID
						if id != "first" {
							stepID = wire.HashID(id, 0)
						}
						p.cut(stepID)
						<-ctx.Done()
					}
					return id, nil
				}
			}
			fn := newFn(t, env, inngest.FunctionOpts{ID: "cut-parallel"}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					first, err := step.Run(ctx, "first", body("first"))
					if err != nil {
						return "", err
					}
					ab, err := step.Parallel(ctx,
						func(ctx context.Context) (string, error) { return step.Run(ctx, "a", body("a")) },
						func(ctx context.Context) (string, error) { return step.Run(ctx, "b", body("b")) },
					)
					if err != nil {
						return "", err
					}
					after, err := step.Run(ctx, "after", body("after"))
					return first + ab[0] + ab[1] + after, err
				})
			p = newCutProxy(t, env, fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			select {
			case <-p.orphaned:
			case <-time.After(10 * time.Second):
				t.Fatal("the cut call's handler did not return")
			}
			env.SetAutoAdvance(true)
			run := env.WaitForRun(t, ids[0])
			inngesttest.RequireOutput(t, run, `"firstabafter"`)
			runs, orphans := execs.counts()
			require.Empty(t, orphans, "no step starts in the orphaned call after the cut")
			require.Equal(t, tc.want, runs)
		})
	}
}
