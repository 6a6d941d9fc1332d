package serve_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// replay describes how a capture is replayed against this SDK.
type replay struct {
	// status overrides the captured status for a seq where this SDK answers
	// differently on purpose.
	status map[int]int
	// ours replaces strings in the captured response of a seq, where this SDK
	// writes a different shape on purpose. Requests (what the server sends,
	// memos included) are always replayed exactly as captured.
	ours map[int][][2]string
	// checkpoints is the number of checkpoint API calls expected during each seq.
	checkpoints map[int]int
}

var replays = map[string]replay{
	"simple":       {},
	"steps-serial": {},
	"wait-match":   {},
	"wait-timeout": {},
	"parallel":     {},
	"invoke":       {},
	"send-event": {ours: map[int][][2]string{
		// inngestgo's step.Send records one id string; step.SendEvent records the
		// list. #6 replays inngestgo's memo (the string) as captured.
		4: {{`"data":"01M8CTENRC0JY5F72PC6NNTZ0N"`, `"data":["01M8CTENRC0JY5F72PC6NNTZ0N"]`}},
	}},
	"retry-step": {},
	// Non-retriable function errors are answered 400 + No-Retry (spec), not 500.
	"fail-noretry":     {status: map[int]int{5: 400}},
	"step-fails-final": {},
	"loop-ids":         {},
	"cron":             {},
	"flow-control":     {},
	// With checkpointing, this SDK flushes at the end and answers 200 at once
	// (PROTOCOL §9.1, §12 #25) where inngestgo answered a 206 of buffered steps.
	"checkpoint":            {checkpoints: map[int]int{4: 5}},
	"checkpoint-blended":    {status: map[int]int{4: 200}, checkpoints: map[int]int{4: 2, 6: 0}},
	"checkpoint-performant": {status: map[int]int{4: 200}, checkpoints: map[int]int{4: 1, 5: 0, 6: 0}},
	"checkpoint-sleep":      {checkpoints: map[int]int{4: 1, 6: 1}},
}

// TestGoldenCaptures replays every server→SDK call of the wire captures through the
// real handler and checks status, headers and ops against the capture (where the two
// SDKs agree) and the whole response against a golden file.
func TestGoldenCaptures(t *testing.T) {
	t.Parallel()
	for _, name := range sortedKeys(replays) {
		rp := replays[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				w.Header().Set("Content-Type", "application/json")
				if strings.HasPrefix(r.URL.Path, "/e/") {
					_, _ = w.Write([]byte(`{"ids":["01M8CTENRC0JY5F72PC6NNTZ0N"],"status":200}`))
					return
				}
			})
			seen := &failureSeen{}
			var fns []inngest.ServableFunction
			var c *inngest.Client
			if strings.HasPrefix(name, "checkpoint") {
				c, _ = devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 1}})
				fns = checkpointFunctions(t, c)
			} else {
				c, _ = devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
				fns = wireFunctions(t, c, seen)
			}
			h, err := serve.New(c, serve.Options{}, fns...)
			require.NoError(t, err)
			for _, call := range calls(loadCapture(t, name)) {
				req, resp := []byte(call.ReqBody), []byte(call.RespBody)
				for _, rw := range rp.ours[call.Seq] {
					resp = []byte(strings.ReplaceAll(string(resp), rw[0], rw[1]))
				}
				before := len(api.requests("/v1/checkpoint/"))
				hdr := map[string]string{}
				for k, v := range call.ReqHeaders {
					switch k {
					case "Host", "Content-Length", "Connection", "Accept-Encoding":
					default:
						hdr[k] = v
					}
				}
				rec := do(h, http.MethodPost, call.URL, req, hdr)
				msg := fmt.Sprintf("%s #%d: %s", name, call.Seq, rec.Body.String())

				want := call.Status
				if s, ok := rp.status[call.Seq]; ok {
					want = s
				}
				require.Equal(t, want, rec.Code, msg)
				requireSDKHeaders(t, rec.Header())
				if call.RespHeaders["X-Inngest-No-Retry"] == "true" {
					require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"), msg)
				}
				switch {
				case rec.Code == 206 && call.Status == 206:
					requireSameOps(t, resp, rec.Body.Bytes())
					if strings.Contains(string(resp), `"op":"StepFailed"`) {
						require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"), msg)
					} else {
						require.Equal(t, "false", rec.Header().Get("X-Inngest-No-Retry"), msg)
					}
				case rec.Code == 200 && call.Status == 200:
					require.JSONEq(t, string(resp), rec.Body.String(), msg)
					require.Empty(t, rec.Header().Get("X-Inngest-No-Retry"), msg)
				case rec.Code == 200:
					// Checkpointed to completion in one call: the final value of the run.
					last := calls(loadCapture(t, name))
					require.JSONEq(t, string(last[len(last)-1].RespBody), rec.Body.String(), msg)
				}
				if n, ok := rp.checkpoints[call.Seq]; ok {
					require.Equal(t, n, len(api.requests("/v1/checkpoint/"))-before, msg)
				}
				checkGolden(t, fmt.Sprintf("%s/%02d", name, call.Seq), rec)
			}
			if name == "fail-noretry" {
				seen.mu.Lock()
				require.Len(t, seen.global, 1)
				require.Equal(t, "wirecap-fail-noretry", seen.global[0].FunctionID)
				require.Equal(t, "NonRetriableError", seen.global[0].Error.Error)
				seen.mu.Unlock()
			}
		})
	}
}

// TestGoldenCheckpointRequests checks the body of the checkpoint calls made while
// replaying the ConfigSafe capture: one StepRun each, with the call's ids.
func TestGoldenCheckpointRequests(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, logs := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, SigningKey: "signkey-test-12345678", Checkpoint: inngest.CheckpointOptions{BatchSteps: 1}})
	h := serve.Handler(c, checkpointFunctions(t, c)...)
	call := calls(loadCapture(t, "checkpoint"))[0]
	rec := do(h, http.MethodPost, call.URL, call.ReqBody, nil)
	require.Equal(t, 200, rec.Code, rec.Body.String()+logs.String())
	cps := api.requests("/v1/checkpoint/")
	require.Len(t, cps, 5)
	var ctx struct {
		Ctx struct {
			RunID, FnID, QiID, RequestID string
		}
	}
	var raw struct {
		Ctx map[string]any `json:"ctx"`
	}
	require.NoError(t, json.Unmarshal(call.ReqBody, &raw))
	_ = ctx
	for i, cp := range cps {
		require.Equal(t, http.MethodPost, cp.Method)
		require.Equal(t, "/v1/checkpoint/"+raw.Ctx["run_id"].(string)+"/async", cp.Path)
		require.Equal(t, "Bearer signkey-test-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c", cp.Header.Get("Authorization"))
		var body struct {
			RunID     string        `json:"run_id"`
			FnID      string        `json:"fn_id"`
			QiID      string        `json:"qi_id"`
			RequestID string        `json:"request_id"`
			Steps     []opCore      `json:"steps"`
			Extra     []interface{} `json:"-"`
		}
		require.NoError(t, json.Unmarshal(cp.Body, &body))
		require.Equal(t, raw.Ctx["run_id"], body.RunID)
		require.Equal(t, raw.Ctx["fn_id"], body.FnID)
		require.Equal(t, raw.Ctx["qi_id"], body.QiID)
		require.Equal(t, raw.Ctx["request_id"], body.RequestID)
		require.Len(t, body.Steps, 1)
		require.Equal(t, "StepRun", body.Steps[0].Op)
		require.Equal(t, fmt.Sprintf("s%d", i+1), body.Steps[0].Name)
		require.JSONEq(t, fmt.Sprintf(`{"i":%d}`, i+1), string(body.Steps[0].Data))
	}
}
