package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// aiOpts are the opts of an AIGateway (step.ai.infer) op (server
// aigateway.Request).
type aiOpts struct {
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	AuthKey string            `json:"auth_key"`
	Format  string            `json:"format"`
	Body    json.RawMessage   `json:"body"`
}

// aiGatewayLocked schedules an inference request like a step.fetch (a
// stored gateway timer, made once the section commits).
func (e locked) aiGatewayLocked(r *runState, op wire.Op) {
	var o aiOpts
	_ = jsoncodec.Unmarshal(op.Opts, &o)
	g := gatewayOpts{URL: o.URL, Method: http.MethodPost, AI: &o}
	data, _ := jsoncodec.Marshal(g)
	e.scheduleLocked(enginestore.TimerItem{Kind: enginestore.TimerGateway, At: e.clock.Now(), RunID: r.ID, StepID: op.ID, Priority: r.Priority, Data: data})
}

// doAIGateway makes an inference request as the server does: POST the body
// as JSON with the key where the format wants it (Bearer; x-api-key for
// anthropic; ?key= for gemini; a raw Authorization for bedrock). A 2xx
// answer is memoized as {"data": <provider JSON>}, anything else as
// {"error":{"name":"AIGatewayError","message","data":<body>,"stack":<body>}}.
func (e *Engine) doAIGateway(ctx context.Context, o aiOpts) (json.RawMessage, bool) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	status, body, err := e.aiRequest(ctx, o)
	if err == nil && status/100 == 2 {
		if !jsoncodec.Valid(body) {
			body, _ = jsoncodec.Marshal(string(body))
		}
		out, _ := encodeCanonical(map[string]json.RawMessage{"data": body})
		return out, false
	}
	if len(body) == 0 {
		body = []byte(`{"error":"Error making AI request"}`)
	}
	if err == nil {
		err = fmt.Errorf("unsuccessful status code: %d", status)
	}
	data := json.RawMessage(body)
	if !jsoncodec.Valid(body) {
		data, _ = jsoncodec.Marshal(string(body))
	}
	out, _ := encodeCanonical(map[string]any{"error": map[string]any{
		"name": "AIGatewayError", "message": "Error making AI request: " + err.Error(), "data": data, "stack": string(body),
	}})
	return out, true
}

func (e *Engine) aiRequest(ctx context.Context, o aiOpts) (int, []byte, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return 0, nil, err
	}
	if o.Format == "gemini" {
		q := u.Query()
		q.Add("key", o.AuthKey)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(o.Body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	switch o.Format {
	case "gemini":
	case "bedrock":
		req.Header.Add("Authorization", o.AuthKey)
	case "anthropic":
		req.Header.Add("x-api-key", o.AuthKey)
	default:
		req.Header.Add("Authorization", "Bearer "+o.AuthKey)
	}
	for k, v := range o.Headers {
		req.Header.Add(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, b, nil
}

// retryGatewayLocked retries a failed gateway request as the server does
// (it re-runs the call, which reports the same op again): after the retry
// backoff, while the run's attempts last. It reports false when none are
// left, and the error is then memoized.
func (e locked) retryGatewayLocked(t enginestore.TimerItem) bool {
	r := e.loadRunLocked(t.RunID)
	if r == nil || r.Status.Done() || t.Attempt+1 >= r.MaxAttempts {
		return false
	}
	err := e.atomicLocked(func(e locked) error {
		e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, t.ID))
		delay := e.opts.RetryBackoff(t.Attempt + 1)
		n := t
		n.ID = ""
		n.Attempt++
		n.At = e.clock.Now().Add(delay)
		e.historyLocked(r, "retry", t.StepID, 0, fmt.Sprintf("gateway request attempt %d in %s", n.Attempt, delay))
		e.scheduleLocked(n)
		e.saveRunLocked(r)
		return nil
	})
	if err != nil {
		// Rolled back: the stored timer makes the request again.
		t.At = e.clock.Now().Add(retryAfterRollback)
		e.enqueue(t)
	}
	return true
}
