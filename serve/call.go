package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// readBody reads at most limit bytes; larger bodies are refused before being read
// whole (Content-Length first, then a counting reader).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "BodyTooLarge",
			fmt.Sprintf("inngest: request body of %d bytes is over the limit of %d", r.ContentLength, limit), true)
		return nil, false
	}
	size := r.ContentLength
	if size < 0 || size > limit {
		size = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "BodyTooLarge",
				fmt.Sprintf("inngest: request body is over the limit of %d bytes", limit), true)
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "BadRequest", "inngest: reading request body: "+err.Error(), false)
		return nil, false
	}
	return buf.Bytes(), true
}

// verify checks the request signature in cloud mode and returns the key that matched
// ("" in dev mode). It writes a 401 and returns false on failure.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, body []byte) (string, bool) {
	if s.cfg.Dev {
		return "", true
	}
	key, err := wire.VerifySignature(r.Header.Get(wire.HeaderSignature), body, s.opts.Now(), s.cfg.SigningKey, s.cfg.SigningKeyFallback)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "Unauthorized", err.Error(), false)
		return "", false
	}
	return key, true
}

// call serves POST: a call of a function; q is the request URL's query.
func (s *Server) call(w http.ResponseWriter, r *http.Request, q url.Values) {
	started := s.opts.Now()
	body, ok := readBody(w, r, s.opts.MaxBodyBytes)
	if !ok {
		return
	}
	if _, ok := s.verify(w, r, body); !ok {
		return
	}
	// The server appends &stepId=<target> to the registered URL, which already holds
	// stepId=step: the last value is the target.
	var stepID string
	if ids := q["stepId"]; len(ids) > 0 {
		stepID = ids[len(ids)-1]
	}
	if stepID == "" {
		stepID = r.Header.Get(wire.HeaderStepID)
	}
	c, early := s.prepare(r.Context(), q.Get("fnId"), stepID, body, started,
		r.Header.Get(wire.HeaderTraceParent), r.Header.Get(wire.HeaderTraceState))
	if c == nil {
		s.writeResponse(w, early)
		return
	}
	if s.cfg.Streaming {
		if fl, ok := w.(http.Flusher); ok {
			s.stream(w, fl, r.Context(), c)
			return
		}
	}
	s.writeResponse(w, exec.Execute(r.Context(), c))
}

// prepare turns a verified call body into the call to execute, or, when the call
// cannot run (no or an unknown function, a malformed body, use_api state that
// could not be fetched), returns nil and the error answer. Every transport goes
// through it: the HTTP handler above and the Connect worker (transport.go).
func (s *Server) prepare(ctx context.Context, fnID, stepID string, body []byte, started time.Time, traceParent, traceState string) (*exec.Call, exec.Response) {
	if fnID == "" {
		return nil, exec.ErrorResponse(http.StatusBadRequest, "BadRequest", "inngest: call request has no fnId query parameter", "", true, time.Time{})
	}
	fn := s.lookup(fnID)
	if fn == nil {
		// Retriable: during a rolling deploy an instance that does not have the
		// function yet (or any more) gets calls for it; the server retries them with
		// backoff, typically on an instance that has it, instead of failing the run.
		return nil, exec.ErrorResponse(http.StatusNotFound, "FunctionNotFound", fmt.Sprintf(
			"inngest: function %q is not served by app %q on this deploy; the server will retry the call (is a deploy in progress, or was the function removed without a sync?)",
			fnID, s.cfg.AppID), "", false, time.Time{})
	}
	req := &wire.CallRequest{}
	if err := wire.DecodeCallRequest(body, req); err != nil {
		return nil, exec.ErrorResponse(http.StatusBadRequest, "BadRequest", "inngest: malformed call request: "+err.Error(), "", false, time.Time{})
	}
	if req.UseAPI || req.Ctx.UseAPI {
		if err := s.fetchState(ctx, req); err != nil {
			s.logger.Error("inngest: fetching run state (use_api) failed; the server will retry the call", "run_id", req.Ctx.RunID, "function_id", fn.Config.ID, "error", err)
			return nil, exec.ErrorResponse(http.StatusInternalServerError, "StateFetchError", "inngest: fetching run state (use_api): "+err.Error(), "", false, time.Time{})
		}
	}
	if len(req.Event) == 0 && len(req.Events) > 0 {
		req.Event = req.Events[0]
	}
	if len(req.Event) == 0 {
		return nil, exec.ErrorResponse(http.StatusBadRequest, "BadRequest", "inngest: call request has no event", "", false, time.Time{})
	}
	if req.Ctx.MaxAttempts <= 0 {
		req.Ctx.MaxAttempts = 1
	}
	c := &exec.Call{
		Fn:     fn,
		Req:    req,
		StepID: stepID,
		Sender: s.client,
		Logger: s.logger,
	}
	if fn.Hooks != nil {
		// Only middleware reads them: no work on the call path without it.
		c.TraceParent = traceParent
		c.TraceState = traceState
	}
	if !fn.Checkpoint.Disabled {
		c.Checkpoint = func(ctx context.Context, ops []wire.Op) error {
			return s.checkpoint(ctx, req, started, ops)
		}
	}
	return c, exec.Response{}
}

func (s *Server) responseHeaders(resp exec.Response) map[string]string {
	h := map[string]string{}
	if resp.Status != http.StatusOK {
		h[wire.HeaderNoRetry] = strconv.FormatBool(resp.NoRetry)
	}
	// A final failure never carries Retry-After: the spec allows it only with
	// X-Inngest-No-Retry false (a NoRetry error, or a step's last attempt).
	if !resp.RetryAfter.IsZero() && !resp.NoRetry {
		h[wire.HeaderRetryAfter] = retryAfterValue(resp.RetryAfter, s.opts.Now())
	}
	return h
}

func (s *Server) writeResponse(w http.ResponseWriter, resp exec.Response) {
	for k, v := range s.responseHeaders(resp) {
		w.Header().Set(k, v)
	}
	writeJSON(w, resp.Status, resp.Body)
}

// stream answers 201 at once, writes a space every KeepAliveInterval while the
// function runs, then the final {status, body, headers} envelope (§4.4).
func (s *Server) stream(w http.ResponseWriter, fl http.Flusher, ctx context.Context, c *exec.Call) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fl.Flush()
	done := make(chan exec.Response, 1)
	go func() { done <- exec.Execute(ctx, c) }()
	t := time.NewTicker(s.opts.KeepAliveInterval)
	defer t.Stop()
	for {
		select {
		case resp := <-done:
			env, _ := jsoncodec.Marshal(wire.StreamEnvelope{Status: resp.Status, Body: resp.Body, Headers: s.responseHeaders(resp)})
			_, _ = w.Write(env)
			fl.Flush()
			return
		case <-t.C:
			_, _ = io.WriteString(w, " ")
			fl.Flush()
		}
	}
}
