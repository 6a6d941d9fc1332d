package inngesttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/racecase"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// raceRecording is testdata/realserver/wire-race.json, written by
// internal/realserver/wirecheck -case race against the real dev server.
type raceRecording struct {
	Functions []struct {
		Function string `json:"function"`
		Calls    []struct {
			AtMS       int64               `json:"at_ms"`
			Query      map[string][]string `json:"query"`
			Body       json.RawMessage     `json:"body"`
			StepKeys   []string            `json:"step_keys"`
			Status     int                 `json:"status"`
			RespHeader map[string]string   `json:"resp_header"`
			RespBody   json.RawMessage     `json:"resp_body"`
		} `json:"calls"`
		Run struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"run"`
		Trace json.RawMessage `json:"trace"`
	} `json:"functions"`
}

func readRaceRecording(t *testing.T) raceRecording {
	t.Helper()
	raw, err := os.ReadFile("../testdata/realserver/wire-race.json")
	require.NoError(t, err)
	var rec raceRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	require.Len(t, rec.Functions, len(racecase.Cases))
	return rec
}

func raceCase(t *testing.T, id string) racecase.Case {
	t.Helper()
	for _, c := range racecase.Cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no race case %q", id)
	return racecase.Case{}
}

// raceAnswer is what a race replay compares of an SDK answer: the status, the
// No-Retry header, and a 206's ops without their timing (or the body).
type raceAnswer struct {
	Status  int
	NoRetry string
	Ops     []raceOp
	Body    string
}

type raceOp struct {
	Op          string          `json:"op"`
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	DisplayName string          `json:"displayName"`
	Opts        json.RawMessage `json:"opts"`
	Data        json.RawMessage `json:"data"`
	Error       json.RawMessage `json:"error"`
}

func raceAnswerOf(t *testing.T, status int, noRetry string, body []byte) raceAnswer {
	t.Helper()
	a := raceAnswer{Status: status, NoRetry: noRetry}
	if status != http.StatusPartialContent {
		var v any
		require.NoError(t, json.Unmarshal(body, &v), "%s", body)
		b, _ := json.Marshal(v)
		a.Body = string(b)
		return a
	}
	require.NoError(t, json.Unmarshal(body, &a.Ops))
	for i := range a.Ops {
		for _, raw := range []*json.RawMessage{&a.Ops[i].Opts, &a.Ops[i].Data, &a.Ops[i].Error} {
			var v any
			if len(*raw) > 0 {
				require.NoError(t, json.Unmarshal(*raw, &v))
			}
			*raw, _ = json.Marshal(v)
		}
	}
	return a
}

// raceFunction is case c as a function of client cl.
func raceFunction(t *testing.T, cl *inngest.Client, c racecase.Case) inngest.ServableFunction {
	t.Helper()
	fn, err := inngest.NewFunction(cl, inngest.FunctionOpts{ID: c.ID, Checkpoint: c.Checkpoint}, inngest.OnEvent(racecase.Event),
		func(ctx context.Context, in inngest.Input[racecase.Data]) (racecase.Out, error) { return c.Body(ctx) })
	require.NoError(t, err)
	return fn
}

// TestRaceSDKAnswersAsRecorded sends each call the real dev server made to the
// step.Race functions (wire-race.json) to this SDK's serve handler again and
// requires the answer the SDK gave the server then: status, No-Retry, and the
// ops (op, id, name, displayName, opts with parallelMode "race" on the
// branches' ops only, data, error) or body. With checkpointing on, the SDK
// checkpoints nothing in these calls (it did not on the server either).
func TestRaceSDKAnswersAsRecorded(t *testing.T) {
	t.Parallel()
	rec := readRaceRecording(t)
	for _, f := range rec.Functions {
		t.Run(f.Function, func(t *testing.T) {
			t.Parallel()
			var outbound atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				outbound.Add(1)
				http.Error(w, "unexpected", http.StatusInternalServerError)
			}))
			t.Cleanup(api.Close)
			cl, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecheck-race", Mode: inngest.ModeDev,
				DevServerURL: api.URL, APIBaseURL: api.URL, EventAPIBaseURL: api.URL})
			require.NoError(t, err)
			h, err := serve.New(cl, serve.Options{}, raceFunction(t, cl, raceCase(t, f.Function)))
			require.NoError(t, err)
			require.NotEmpty(t, f.Calls)
			for i, c := range f.Calls {
				require.NotEmpty(t, c.Body, "call %d kept no body", i)
				q := make([]string, 0, len(c.Query))
				for k, vs := range c.Query {
					for _, v := range vs {
						q = append(q, k+"="+v)
					}
				}
				sort.Strings(q)
				req := httptest.NewRequest(http.MethodPost, "/api/inngest?"+strings.Join(q, "&"), bytes.NewReader(c.Body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Inngest-Server-Kind", "dev")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				body, _ := io.ReadAll(w.Result().Body)
				want := raceAnswerOf(t, c.Status, c.RespHeader["X-Inngest-No-Retry"], c.RespBody)
				got := raceAnswerOf(t, w.Code, w.Header().Get("X-Inngest-No-Retry"), body)
				require.Equal(t, want, got, "call %d (stepId %s): the SDK's answer differs from the one the server got", i, c.Query["stepId"])
			}
			require.Zero(t, outbound.Load(), "the SDK made requests to the server it did not make there")
		})
	}
}

// raceCall is what a race replay compares of a call: its stepId query value
// ("step" for discovery), the memoized step ids and the SDK's answer.
type raceCall struct {
	StepID string
	Memos  []string
	Answer raceAnswer
}

// TestRaceAsRecorded runs each step.Race function of wire-race.json on the
// engine and requires the real dev server's calls: the discovery calls in the
// same order, each with the same memoized steps and the same answer (the race
// steps that end make a discovery call at once, the step after the race waits
// for the group's outstanding steps as the server's did), the same targeted
// calls (they run concurrently, so as a set), no call the server did not make,
// and the same run status and output.
func TestRaceAsRecorded(t *testing.T) {
	t.Parallel()
	rec := readRaceRecording(t)
	for _, f := range rec.Functions {
		t.Run(f.Function, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			p := newCutProxy(t, env, raceFunction(t, env.Client(), raceCase(t, f.Function)))
			run := env.WaitForRun(t, env.Send(t, racecase.Event.New(racecase.Data{N: 1}))[0])
			require.Equal(t, f.Run.Status, string(run.Status))
			require.JSONEq(t, string(f.Run.Output), string(run.Output))

			calls := append(f.Calls[:0:0], f.Calls...)
			sort.SliceStable(calls, func(i, j int) bool { return calls[i].AtMS < calls[j].AtMS })
			var wantDisc, gotDisc, wantTargeted, gotTargeted []raceCall
			// A race branch's step runs concurrently with the other
			// branches' steps, so which of their results it carries as memos
			// depends on when the server's queue started it: compared without.
			raceStep := map[string]bool{}
			for _, c := range calls {
				if c.Status != http.StatusPartialContent {
					continue
				}
				for _, op := range raceAnswerOf(t, c.Status, "", c.RespBody).Ops {
					if strings.Contains(string(op.Opts), `"parallelMode":"race"`) {
						raceStep[op.ID] = true
					}
				}
			}
			memosOf := func(stepID string, memos []string) []string {
				if raceStep[stepID] {
					return nil
				}
				out := append([]string{}, memos...)
				sort.Strings(out)
				return out
			}
			for _, c := range calls {
				memos := memosOf(c.Query["stepId"][0], c.StepKeys)
				rc := raceCall{c.Query["stepId"][0], memos, raceAnswerOf(t, c.Status, c.RespHeader["X-Inngest-No-Retry"], c.RespBody)}
				if rc.StepID == "step" {
					wantDisc = append(wantDisc, rc)
				} else {
					wantTargeted = append(wantTargeted, rc)
				}
			}
			for _, c := range p.proxied() {
				rc := raceCall{c.stepID, memosOf(c.stepID, c.memoized), raceAnswerOf(t, c.status, c.noRetry, c.body)}
				if rc.StepID == "step" {
					gotDisc = append(gotDisc, rc)
				} else {
					gotTargeted = append(gotTargeted, rc)
				}
			}
			require.Equal(t, wantDisc, gotDisc, "the engine's discovery calls (in order) and the SDK's answers are the real server's")
			byStep := func(cs []raceCall) {
				sort.SliceStable(cs, func(i, j int) bool { return cs[i].StepID < cs[j].StepID })
			}
			byStep(wantTargeted)
			byStep(gotTargeted)
			require.Equal(t, wantTargeted, gotTargeted, "the engine's targeted calls are the real server's")
			require.Equal(t, traceSteps(t, f.Trace), engineSteps(run), "the engine's steps end as the server's trace says")
		})
	}
}

// traceSteps returns each step of a run trace (the GraphQL runTrace the
// recorder kept) with its last span's status: COMPLETED, FAILED or WAITING.
func traceSteps(t *testing.T, raw json.RawMessage) map[string]string {
	t.Helper()
	type span struct {
		StepID   *string `json:"stepID"`
		Status   string  `json:"status"`
		Children []span  `json:"childrenSpans"`
	}
	var root span
	require.NoError(t, json.Unmarshal(raw, &root))
	out := map[string]string{}
	var walk func(s span)
	walk = func(s span) {
		if s.StepID != nil && *s.StepID != "" {
			out[*s.StepID] = s.Status
		}
		for _, c := range s.Children {
			walk(c)
		}
	}
	walk(root)
	require.NotEmpty(t, out)
	return out
}

// engineSteps returns the engine's steps of run in traceSteps' terms. The
// server's trace shows a loser's sleep still pending when the run completed
// (race-three-branches: the run ended at 2.8 s, the 3 s sleep later) as
// COMPLETED, one pending when the run failed as WAITING; the engine keeps
// both pending.
func engineSteps(run runtype.Run) map[string]string {
	out := map[string]string{}
	for _, s := range run.Steps {
		switch {
		case s.Error != nil:
			out[s.ID] = "FAILED"
		case s.Done, s.Op == "Sleep" && run.Status == "Completed":
			out[s.ID] = "COMPLETED"
		default:
			out[s.ID] = "WAITING"
		}
	}
	return out
}
