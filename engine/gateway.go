package engine

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// gatewayOpts are the opts of a Gateway (step.fetch) op.
type gatewayOpts struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// gatewayLocked makes a step.fetch request on the run's behalf and memoizes
// {"data":{url,status_code,headers,body}} or {"error":{name:"GatewayError"}}.
func (e *Engine) gatewayLocked(r *RunState, op wire.Op) {
	var opts gatewayOpts
	_ = json.Unmarshal(op.Opts, &opts)
	if opts.Method == "" {
		opts.Method = http.MethodPost
	}
	runID, stepID := r.ID, op.ID
	e.afterCommitLocked(func() {
		e.inflight++
		e.wg.Add(1)
		go e.runGateway(runID, stepID, opts)
	})
}

// runGateway performs a step.fetch request and resumes the run with it.
func (e *Engine) runGateway(runID, stepID string, opts gatewayOpts) {
	defer e.wg.Done()
	val := e.doGateway(e.ctx, opts)
	e.mu.Lock()
	e.inflight--
	if e.ctx.Err() == nil {
		// On rollback the result is dropped, as after a crash (a step.fetch
		// in flight is not persisted); the error is logged.
		_ = e.atomicLocked(func() error {
			e.resumeLocked(runID, stepID, val, "gateway", opts.Method+" "+opts.URL)
			return nil
		})
	}
	e.mu.Unlock()
	e.poke()
}

func (e *Engine) doGateway(ctx context.Context, opts gatewayOpts) json.RawMessage {
	fail := func(err error) json.RawMessage {
		b, _ := encodeCanonical(map[string]any{"error": map[string]string{"name": "GatewayError", "message": err.Error()}})
		return b
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	var body io.Reader
	if opts.Body != "" {
		body = strings.NewReader(opts.Body)
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
	return out
}
