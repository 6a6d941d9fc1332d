package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// capLine is one exchange of a wire capture.
type capLine struct {
	Seq         int               `json:"seq"`
	Dir         string            `json:"dir"`
	Actor       string            `json:"actor"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReqHeaders  map[string]string `json:"req_headers"`
	ReqBody     json.RawMessage   `json:"req_body"`
	Status      int               `json:"status"`
	RespHeaders map[string]string `json:"resp_headers"`
	RespBody    json.RawMessage   `json:"resp_body"`
}

func loadCapture(t *testing.T, name string) []capLine {
	f, err := os.Open(filepath.Join("..", "testdata", "wire", name+".jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var out []capLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var l capLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (l capLine) isCall() bool {
	return l.Dir == "server->sdk" && l.Actor == "" && l.Method == http.MethodPost
}

func queryOf(u, key string) string {
	_, q, _ := strings.Cut(u, "?")
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// replayer plays the SDK side of a capture against the engine.
type replayer struct {
	t      *testing.T
	h      *harness
	lines  []capLine
	mu     sync.Mutex
	queues map[string][]int // fnId|stepId → indexes of call lines
	served map[int]call     // call line index → actual request
	runIDs map[string]string
}

func (p *replayer) handle(c call) reply {
	key := c.FnID + "|" + c.StepID
	p.mu.Lock()
	q := p.queues[key]
	if len(q) == 0 {
		p.mu.Unlock()
		p.t.Errorf("unexpected call %s", key)
		return reply{Status: 500, Body: `{"message":"unexpected"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
	}
	idx := q[0]
	p.queues[key] = q[1:]
	p.served[idx] = c
	line := p.lines[idx]
	capRun, _ := line.ReqHeaders["X-Run-Id"]
	p.runIDs[capRun] = c.Header.Get("X-Run-Id")
	p.mu.Unlock()
	// SDK->server requests made while this call was open (checkpoints, sends).
	for j := idx + 1; j < len(p.lines) && !p.lines[j].isCall(); j++ {
		n := p.lines[j]
		if n.Dir != "sdk->server" || n.Actor != "" {
			continue
		}
		p.nested(n, capRun, c.Header.Get("X-Run-Id"))
	}
	hdr := map[string]string{"X-Inngest-Req-Version": "", "X-Inngest-Sdk": "", "X-Inngest-No-Retry": ""}
	for k, v := range line.RespHeaders {
		switch k {
		case "X-Inngest-Sdk", "X-Inngest-Req-Version", "X-Inngest-No-Retry", "Retry-After", "Content-Type":
			hdr[k] = v
		}
	}
	body := string(line.RespBody)
	if body == `""` && line.Status == 206 {
		body = ""
	}
	return reply{Status: line.Status, Body: body, Headers: hdr}
}

// nested replays an SDK->server request, with the captured run ID replaced.
func (p *replayer) nested(n capLine, capRun, run string) {
	u := strings.ReplaceAll(n.URL, capRun, run)
	body := bytes.ReplaceAll(n.ReqBody, []byte(capRun), []byte(run))
	req, _ := http.NewRequest(n.Method, p.h.api.URL+u, bytes.NewReader(body))
	for k, v := range n.ReqHeaders {
		if k != "Host" && k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Equal(p.t, n.Status, resp.StatusCode, "nested %s: %s", n.URL, got)
	if strings.HasPrefix(n.URL, "/e/") {
		// Deterministic IDs from X-Inngest-Event-Id-Seed: same IDs as captured.
		require.JSONEq(p.t, string(n.RespBody), string(got))
	} else {
		require.Empty(p.t, got)
	}
}

// replay runs a capture and checks every call the engine made against it.
func replay(t *testing.T, name string, mutate func(*harness)) *replayer {
	p := &replayer{t: t, lines: loadCapture(t, name), queues: map[string][]int{}, served: map[int]call{}, runIDs: map[string]string{}}
	p.h = newHarness(t, engine.Options{}, p.handle)
	if mutate != nil {
		mutate(p.h)
	}
	var register []byte
	var calls []int
	for i, l := range p.lines {
		if l.isCall() {
			key := queryOf(l.URL, "fnId") + "|" + queryOf(l.URL, "stepId")
			p.queues[key] = append(p.queues[key], i)
			calls = append(calls, i)
		}
		if l.URL == "/fn/register" && register == nil {
			register = bytes.ReplaceAll(l.ReqBody, []byte("http://127.0.0.1:3100"), []byte(p.h.app.srv.URL))
		}
	}
	status, out := p.h.post("/fn/register", register, nil)
	require.Equal(t, 200, status, "%v", out)
	servedBefore := func(seq int) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, i := range calls {
			if p.lines[i].Seq < seq {
				if _, ok := p.served[i]; !ok {
					return false
				}
			}
		}
		return true
	}
	for _, l := range p.lines {
		if l.Actor == "driver" && strings.HasPrefix(l.URL, "/e/") {
			waitUntil(t, func() bool { return servedBefore(l.Seq) })
			if p.h.clk != nil && !p.h.clk.AutoAdvance() {
				waitUntil(t, p.h.eng.Idle)
			}
			st, o := p.h.post(l.URL, l.ReqBody, nil)
			require.Equal(t, 200, st, "%v", o)
		}
	}
	if p.h.clk != nil && !p.h.clk.AutoAdvance() {
		p.h.clk.SetAutoAdvance(true)
	}
	waitUntil(t, func() bool { return servedBefore(1 << 30) })
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	require.NoError(t, p.h.eng.WaitFor(ctx, func(runs []runtype.Run) bool {
		for _, r := range runs {
			if !r.Status.Done() {
				return false
			}
		}
		return len(runs) > 0
	}))
	// Compare each call with the captured one.
	jobs := map[string]string{}
	for _, i := range calls {
		l := p.lines[i]
		c := p.served[i]
		var want map[string]any
		require.NoError(t, json.Unmarshal(l.ReqBody, &want))
		compareCall(t, name, l, want, c)
		// Same captured job ID ⇔ same actual job ID (retries reuse the job).
		capJob := want["ctx"].(map[string]any)["job_id"].(string)
		gotJob := c.ctx()["job_id"].(string)
		if prev, ok := jobs[capJob]; ok {
			require.Equal(t, prev, gotJob, "seq %d: retry must reuse the job ID", l.Seq)
		}
		jobs[capJob] = gotJob
	}
	return p
}

// compareCall checks the engine's request against the captured request.
func compareCall(t *testing.T, name string, l capLine, want map[string]any, got call) {
	t.Helper()
	msg := name + " seq " + strconv.Itoa(l.Seq)
	canon, err := wire.Canonicalize(got.Body)
	require.NoError(t, err, msg)
	require.Equal(t, string(canon), string(got.Body), msg+": body must be canonical JSON")
	for _, hname := range []string{"User-Agent", "Content-Type", "X-Inngest-Req-Version", "X-Inngest-Step-Id", "X-Inngest-Generation-Id", "Account-Id"} {
		require.Equal(t, l.ReqHeaders[hname], got.Header.Get(hname), msg+": header "+hname)
	}
	gc, wc := got.ctx(), want["ctx"].(map[string]any)
	require.Equal(t, got.Header.Get("X-Run-Id"), gc["run_id"], msg)
	require.Equal(t, got.Header.Get("X-Inngest-Job-Id"), gc["job_id"], msg)
	require.Equal(t, got.Header.Get("X-Request-Id"), gc["request_id"], msg)
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte(gc["job_id"].(string)+"::default")), gc["qi_id"], msg)
	require.Len(t, gc, len(wc), msg+": ctx keys")
	for _, k := range []string{"attempt", "disable_immediate_execution", "env", "generation_id", "max_attempts", "step_id", "use_api"} {
		require.Equal(t, wc[k], gc[k], msg+": ctx."+k)
	}
	require.Len(t, got.Req, len(want), msg+": top-level keys")
	for _, k := range []string{"defers", "use_api", "version"} {
		require.Equal(t, want[k], got.Req[k], msg+": "+k)
	}
	require.Equal(t, normEvent(want["event"]), normEvent(got.Req["event"]), msg+": event")
	require.Len(t, got.Req["events"], len(want["events"].([]any)), msg+": events")
	if queryOf(l.URL, "stepId") != "step" {
		// A targeted call carries the stack index of the call that planned it.
		require.Equal(t, wc["stack"].(map[string]any)["current"], gc["stack"].(map[string]any)["current"], msg+": stack.current")
	} else {
		ws, gs := wc["stack"].(map[string]any), gc["stack"].(map[string]any)
		wl, gl := toStrings(ws["stack"]), toStrings(gs["stack"])
		sort.Strings(wl)
		sort.Strings(gl)
		require.Equal(t, wl, gl, msg+": stack")
		require.Equal(t, normSteps(want["steps"]), normSteps(got.Req["steps"]), msg+": steps")
	}
}

func toStrings(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// normEvent drops per-run values (ids, timestamps, invoke metadata).
func normEvent(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		switch k {
		case "id", "ts":
			continue
		case "data":
			if d, ok := x.(map[string]any); ok {
				nd := map[string]any{}
				for dk, dv := range d {
					switch dk {
					case "_inngest":
						nd[dk] = "…"
					case "run_id":
						nd[dk] = "…"
					case "event":
						nd[dk] = normEvent(dv)
					case "events":
						var evs []any
						for _, e := range dv.([]any) {
							evs = append(evs, normEvent(e))
						}
						nd[dk] = evs
					default:
						nd[dk] = dv
					}
				}
				x = nd
			}
		}
		out[k] = x
	}
	return out
}

func normSteps(v any) any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, x := range m {
		if ev, ok := x.(map[string]any); ok && ev["name"] != nil && ev["id"] != nil {
			x = normEvent(ev)
		}
		out[k] = x
	}
	return out
}

func TestReplayCaptures(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"simple", "steps-serial", "parallel", "wait-timeout", "invoke", "retry-step",
		"fail-noretry", "step-fails-final", "loop-ids", "checkpoint", "checkpoint-sleep", "checkpoint-blended", "send-event"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := replay(t, name, nil)
			runs := must(p.h.eng.Runs())
			require.NotEmpty(t, runs)
		})
	}
}
