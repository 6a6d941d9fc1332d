package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// maxResponseBytes bounds an SDK response (the server's limit is 8 MB).
const maxResponseBytes = 8 << 20

// maxRequestBytes is the call body size above which use_api is set (§4.2).
const maxRequestBytes = 4 << 20

// accountID is the constant Account-Id header the dev server sends.
const accountID = "00000000-0000-4000-a000-000000000000"

// callEnvelope is a call request body; its fields are in sorted key order so
// that encoding/json writes the canonical (JCS) form the server sends.
type callEnvelope struct {
	Ctx     wire.CallCtx      `json:"ctx"`
	Defers  json.RawMessage   `json:"defers"`
	Event   json.RawMessage   `json:"event"`
	Events  []json.RawMessage `json:"events"`
	Steps   memoMap           `json:"steps"`
	UseAPI  bool              `json:"use_api"`
	Version int               `json:"version"`
}

// memoMap writes memoized results as a JSON object with sorted keys.
type memoMap []enginestore.MemoEntry

// MarshalJSON implements json.Marshaler.
func (m memoMap) MarshalJSON() ([]byte, error) {
	sorted := slices.Clone(m)
	slices.SortFunc(sorted, func(a, b enginestore.MemoEntry) int { return strings.Compare(a.ID, b.ID) })
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(e.ID)
		b.WriteString(`":`)
		if len(e.Value) == 0 {
			b.WriteString("null")
		} else {
			b.Write(e.Value)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// callSteps is what a call's steps hold: the run's results and the inputs
// of steps that have none yet.
func callSteps(run *enginestore.RunRecord) memoMap {
	if len(run.StepInputs) == 0 {
		return memoMap(run.Memo)
	}
	out := memoMap(slices.Clip(run.Memo))
	for _, in := range run.StepInputs {
		if !slices.ContainsFunc(run.Memo, func(m enginestore.MemoEntry) bool { return m.ID == in.ID }) {
			out = append(out, in)
		}
	}
	return out
}

// encodeCanonical marshals v without HTML escaping and without a trailing newline.
func encodeCanonical(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := jsoncodec.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := b.Bytes()
	return out[:len(out)-1], nil
}

// canonical returns the JCS form of raw, or raw itself if it does not parse.
func canonical(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	c, err := wire.Canonicalize(raw)
	if err != nil {
		return json.RawMessage(raw)
	}
	return c
}

// callJob is a call in flight.
type callJob struct {
	t         enginestore.TimerItem
	runID     string
	requestID string
	url       string
	body      []byte
	version   int
	held      []heldSlot
	// connect is set when the call goes over Connect (connect.go).
	connect *ConnectCall
	// endpoint is set when the call resumes a durable endpoint's run (endpoint.go).
	endpoint *endpointCall
}

type heldSlot struct {
	sem *flow.Concurrency
	key string
}

// callResult is the classified outcome of one call.
type callResult struct {
	status     int
	body       []byte
	header     http.Header
	isSDK      bool
	transport  error
	noRetry    bool
	hasNoRetry bool
	retryAfter time.Duration
	reqVersion int
	hasVersion bool
	// connID and instanceID name the Connect connection that answered.
	connID, instanceID string
}

// buildCallLocked builds the request of a call job.
func (e locked) buildCallLocked(run *runState, fn *fnState, t enginestore.TimerItem, requestID string) ([]byte, string, error) {
	stack := make([]string, len(run.Memo))
	for i, m := range run.Memo {
		stack[i] = m.ID
	}
	current := len(stack)
	if t.StepID != wire.DiscoveryStepID {
		current = min(run.StackCurrent, current)
	}
	env := callEnvelope{
		Ctx: wire.CallCtx{
			Attempt:                   t.Attempt,
			DisableImmediateExecution: run.ForcePlan,
			Env:                       "",
			FnID:                      fn.uuid,
			GenerationID:              t.Generation,
			JobID:                     t.JobID,
			MaxAttempts:               run.MaxAttempts,
			QiID:                      base64.StdEncoding.EncodeToString([]byte(t.JobID + "::default")),
			RequestID:                 requestID,
			RunID:                     run.ID,
			Stack:                     wire.Stack{Current: current, Stack: stack},
			StepID:                    wire.DiscoveryStepID,
		},
		Defers:  json.RawMessage("{}"),
		Event:   run.Events[0],
		Events:  run.Events,
		Steps:   callSteps(&run.RunRecord),
		Version: run.Version,
	}
	body, err := encodeCanonical(env)
	if err != nil {
		return nil, "", err
	}
	// Like the server: a call too large leaves the steps out (the SDK loads
	// them from the API); if it is still too large, the events too (the
	// first event is always sent).
	if len(body) > maxRequestBytes {
		env.Ctx.UseAPI, env.UseAPI = true, true
		env.Steps = nil
		if body, err = encodeCanonical(env); err != nil {
			return nil, "", err
		}
	}
	if len(body) > maxRequestBytes {
		env.Events = []json.RawMessage{}
		if body, err = encodeCanonical(env); err != nil {
			return nil, "", err
		}
	}
	if t.StepID == wire.DiscoveryStepID {
		return body, fn.discoveryURL, nil
	}
	return body, stepURL(fn.url, t.StepID), nil
}

// stepURL sets the stepId query parameter of a function's registered URL,
// replacing any stepId already there (the JavaScript SDK registers URLs
// holding stepId=step), as the server does. Like the server, it re-encodes
// the query with its keys sorted.
func stepURL(base, stepID string) string {
	u, err := url.Parse(base)
	if err != nil {
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "stepId=" + url.QueryEscape(stepID)
	}
	q := u.Query()
	q.Set("stepId", stepID)
	u.RawQuery = q.Encode()
	return u.String()
}

// callHeaderKeys are the headers of every call, canonical (as Header.Set
// writes them), in the order doCall fills in their values.
var callHeaderKeys = [...]string{
	http.CanonicalHeaderKey("Content-Type"), http.CanonicalHeaderKey("User-Agent"), http.CanonicalHeaderKey("Account-Id"),
	http.CanonicalHeaderKey(wire.HeaderRunID), http.CanonicalHeaderKey(wire.HeaderRequestID), http.CanonicalHeaderKey(wire.HeaderJobID),
	http.CanonicalHeaderKey(wire.HeaderGenerationID), http.CanonicalHeaderKey(wire.HeaderReqVersion), http.CanonicalHeaderKey(wire.HeaderStepID),
}

// doCall performs one HTTP call and classifies the response.
func (e *Engine) doCall(ctx context.Context, job *callJob) callResult {
	if job.connect != nil {
		return e.doConnectCall(ctx, job)
	}
	if job.endpoint != nil {
		return e.doEndpointCall(ctx, job)
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.url, bytes.NewReader(job.body))
	if err != nil {
		return callResult{transport: err}
	}
	vals := [len(callHeaderKeys)]string{"application/json", "Inngest", accountID, job.runID, job.requestID,
		job.t.JobID, strconv.Itoa(job.t.Generation), strconv.Itoa(job.version), job.t.StepID}
	h := make(http.Header, len(callHeaderKeys)+1)
	for i, k := range callHeaderKeys {
		h[k] = vals[i : i+1 : i+1]
	}
	if e.opts.SigningKey != "" {
		// Signatures use the wall clock: the SDK checks them against its own.
		h.Set(wire.HeaderSignature, wire.Sign(e.opts.SigningKey, time.Now(), job.body))
	}
	req.Header = h
	res := e.do(req)
	if res.transport != nil {
		return res
	}
	if res.status == http.StatusCreated {
		unwrapStream(&res)
	}
	if v := res.header.Get(wire.HeaderReqVersion); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			res.reqVersion, res.hasVersion = n, true
		}
	}
	e.readRetryHeaders(&res)
	return res
}

// do sends one call to an app and reads its answer, at most
// maxResponseBytes of it; a failure to send or read, or a larger answer, is
// a transport error.
func (e *Engine) do(req *http.Request) callResult {
	resp, err := e.client.Do(req)
	if err != nil {
		return callResult{transport: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return callResult{transport: err}
	}
	if len(body) > maxResponseBytes {
		return callResult{transport: errString("inngest: SDK response larger than 8 MB")}
	}
	res := callResult{status: resp.StatusCode, body: body, header: resp.Header} // resp is ours: no copy
	res.isSDK = resp.Header.Get(wire.HeaderSDK) != ""
	return res
}

// readRetryHeaders reads the answer's X-Inngest-No-Retry and Retry-After.
func (e *Engine) readRetryHeaders(res *callResult) {
	if v := res.header.Get(wire.HeaderNoRetry); v != "" {
		res.hasNoRetry = true
		res.noRetry = strings.EqualFold(v, "true")
	}
	res.retryAfter = parseRetryAfter(res.header.Get(wire.HeaderRetryAfter), e.clock.Now())
}

// unwrapStream decodes a keep-alive (201) reply: whitespace, then one JSON
// envelope {status, body, headers}.
func unwrapStream(res *callResult) {
	trimmed := bytes.TrimSpace(res.body)
	var env struct {
		Status  int               `json:"status"`
		Body    json.RawMessage   `json:"body"`
		Headers map[string]string `json:"headers"`
		Error   string            `json:"error"`
	}
	if err := jsoncodec.Unmarshal(trimmed, &env); err != nil || env.Status == 0 {
		res.status = http.StatusInternalServerError
		res.body = []byte(`{"name":"Error","message":"invalid streamed response"}`)
		return
	}
	res.status = env.Status
	body := env.Body
	if len(body) > 0 && body[0] == '"' {
		var s string
		if jsoncodec.Unmarshal(body, &s) == nil && jsoncodec.Valid([]byte(s)) {
			body = []byte(s)
		}
	}
	res.body = body
	for k, v := range env.Headers {
		res.header.Set(k, v)
	}
	if env.Error != "" && len(res.body) == 0 {
		b, _ := jsoncodec.Marshal(map[string]string{"name": "Error", "message": env.Error})
		res.body = b
	}
}

// parseRetryAfter reads Retry-After as the server does: whole seconds above 0
// or a date, clamped to 1 s..24 h; 0 means absent (or not a delay, e.g. "0"
// or "-5"), and the retry table applies.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if len(v) <= 7 {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			d = time.Duration(n) * time.Second
		}
	}
	if d == 0 {
		for _, layout := range []string{time.RFC3339, time.RFC1123, time.RFC1123Z} {
			if t, err := time.Parse(layout, v); err == nil {
				d = t.Sub(now)
				break
			}
		}
	}
	if d == 0 {
		return 0
	}
	return min(max(d, time.Second), 24*time.Hour)
}

type errString string

func (e errString) Error() string { return string(e) }
