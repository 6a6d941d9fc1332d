package engine

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// gatewayOpts are the opts of a Gateway (step.fetch) op.
type gatewayOpts struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	// AI is set for an AIGateway (step.ai.infer) request.
	AI *aiOpts `json:"ai,omitempty"`
}

// gatewayLocked schedules a step.fetch request on the run's behalf; its
// result is memoized as {"data":{url,status_code,headers,body}} or
// {"error":{name:"GatewayError"}}. The request is a stored timer, like a
// call: it is made once the section commits, and its timer is deleted with
// the result, so a crash while it is in flight makes it again after a
// restart.
func (e locked) gatewayLocked(r *runState, op wire.Op) {
	var opts gatewayOpts
	_ = jsoncodec.Unmarshal(op.Opts, &opts)
	if opts.Method == "" {
		opts.Method = http.MethodPost
	}
	data, _ := jsoncodec.Marshal(opts)
	e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerGateway, At: e.clock.Now(), RunID: r.ID, StepID: op.ID, Priority: r.Priority, Data: data})
}

// startGatewayLocked performs a due step.fetch timer: it starts the request
// once the section commits, or, when an earlier attempt got a result whose
// transaction rolled back, applies that result.
func (e locked) startGatewayLocked(t enginestore.TimerItem) {
	r := e.loadRunLocked(t.RunID)
	if r == nil || r.Status.Done() {
		e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, t.ID))
		e.afterCommitLocked(func(e locked) { delete(e.s.fetched, t.ID) })
		return
	}
	if val, ok := e.s.fetched[t.ID]; ok {
		e.finishGatewayLocked(t, val)
		return
	}
	var opts gatewayOpts
	_ = jsoncodec.Unmarshal(t.Data, &opts)
	e.afterCommitLocked(func(e locked) {
		e.s.inflight++
		e.wg.Add(1)
		go e.runGateway(t, opts)
	})
}

// finishGatewayLocked memoizes a step.fetch result and deletes its timer;
// the result is kept in memory until the section commits.
func (e locked) finishGatewayLocked(t enginestore.TimerItem, val json.RawMessage) {
	var opts gatewayOpts
	_ = jsoncodec.Unmarshal(t.Data, &opts)
	var ai *runtype.AIMetadata
	if opts.AI != nil {
		ai = aiMetadata(*opts.AI, val)
	}
	e.resumeAILocked(t.RunID, t.StepID, val, "gateway", opts.Method+" "+opts.URL, ai)
	e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, t.ID))
	e.afterCommitLocked(func(e locked) { delete(e.s.fetched, t.ID) })
}

// runGateway performs a step.fetch request and resumes the run with it.
func (e *Engine) runGateway(t enginestore.TimerItem, opts gatewayOpts) {
	defer e.wg.Done()
	val, retryable := e.doGateway(e.ctx, opts)
	l := e.lock()
	l.s.inflight--
	l.notifyLocked() // Idle may hold now even when the result changes no run
	if e.ctx.Err() == nil {
		if retryable && l.retryGatewayLocked(t) {
			l.unlock()
			e.poke()
			return
		}
		l.s.fetched[t.ID] = val
		err := l.atomicLocked(func(e locked) error {
			e.finishGatewayLocked(t, val)
			return nil
		})
		if err != nil {
			// Rolled back: the timer is still stored; apply the result
			// again shortly (a restart before then makes the request again).
			t.At = e.clock.Now().Add(retryAfterRollback)
			l.enqueue(t)
		}
	}
	l.unlock()
	e.poke()
}

// doGateway makes the request; retryable reports a failure the server
// retries while the call has attempts left (a request that could not be
// made; for AI requests also a non-2xx answer).
func (e *Engine) doGateway(ctx context.Context, opts gatewayOpts) (val json.RawMessage, retryable bool) {
	if opts.AI != nil {
		return e.doAIGateway(ctx, *opts.AI)
	}
	fail := func(err error) (json.RawMessage, bool) {
		b, _ := encodeCanonical(map[string]any{"error": map[string]string{"name": "GatewayError", "message": "Error making gateway request: " + err.Error()}})
		return b, true
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	var body io.Reader
	if opts.Body != "" {
		body = strings.NewReader(gatewayBody(opts.Body))
	}
	req, err := http.NewRequestWithContext(ctx, opts.Method, opts.URL, body)
	if err != nil {
		return fail(err)
	}
	for k, v := range opts.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fail(err)
	}
	hdr := map[string]string{}
	for k, v := range resp.Header {
		hdr[k] = strings.Join(v, ",")
	}
	out, _ := encodeCanonical(map[string]any{"data": map[string]any{
		"url": opts.URL, "status_code": resp.StatusCode, "headers": hdr, "body": string(b),
	}})
	return out, false
}

// gatewayBody is the body the server sends for a step.fetch: the SDK's body
// as it is when it is JSON, else JSON-encoded as a string ("ping" is sent as
// "\"ping\"").
func gatewayBody(b string) string {
	if jsoncodec.Valid([]byte(b)) {
		return b
	}
	enc, _ := jsoncodec.Marshal(b)
	return string(enc)
}
