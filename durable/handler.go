package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Handler returns next with durable steps: see the package documentation.
// The client's mode, API base URL and signing keys are used; in cloud mode
// the calls with which Inngest resumes a run must be signed (an unsigned or
// wrongly signed one gets 401 and runs nothing). The client's ServeOrigin,
// when set, is the origin Inngest calls back (the default is the request's
// scheme and Host).
func Handler(client *inngest.Client, opts Options, next http.Handler) http.Handler {
	cfg := link.Config(client)
	return &handler{cfg: &cfg, opts: opts, next: next, sender: client, now: time.Now}
}

type handler struct {
	cfg    *exec.ClientConfig
	opts   Options
	next   http.Handler
	sender exec.Sender
	now    func() time.Time
}

// completeID is the hashed id of the op that ends a run (and of the error
// op reported for a panic outside steps), as the JavaScript SDK names it.
var completeID = wire.HashID("complete", 0)

func (h *handler) logger() *slog.Logger {
	if h.cfg.Logger != nil {
		return h.cfg.Logger
	}
	return slog.Default()
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		http.Error(w, "inngest: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > MaxRequestBody {
		http.Error(w, ErrBodyTooLarge.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if runID := r.Header.Get(wire.HeaderRunID); runID != "" && r.Header.Values(wire.HeaderSignature) != nil {
		h.resume(w, r, runID, body)
		return
	}
	h.inline(w, r, body)
}

// fnID is the function's name in logs and in the run's event.
func (h *handler) fnName(r *http.Request) string {
	if h.opts.FunctionID != "" {
		return h.opts.FunctionID
	}
	return r.Method + " " + r.URL.Path
}

// function is the handler as the execution core runs it; *returned is set
// when the handler returned (rather than being stopped by a step).
func (h *handler) function(r *http.Request, rec *recorder, returned *bool, checkpoint bool) *exec.Function {
	fn := &exec.Function{
		Config: wire.Function{ID: h.fnName(r), Name: h.fnName(r)},
		Handler: func(ctx context.Context, _ *exec.Input) ([]byte, error) {
			h.next.ServeHTTP(rec, r.WithContext(ctx))
			*returned = true
			return nil, nil
		},
	}
	if checkpoint {
		fn.Checkpoint = exec.CheckpointConfig{BatchSteps: 1}
	} else {
		fn.Checkpoint = exec.CheckpointConfig{Disabled: true}
	}
	return fn
}

// origin is the scheme and host Inngest calls back.
func (h *handler) origin(r *http.Request) string {
	if o := strings.TrimRight(h.cfg.ServeOrigin, "/"); o != "" {
		return o
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// inline runs a new request: steps run and are checkpointed as they complete.
func (h *handler) inline(w http.ResponseWriter, r *http.Request, body []byte) {
	start := h.now()
	data := wire.EndpointRequest{Domain: h.origin(r), Method: r.Method, Path: r.URL.Path, Fn: h.opts.FunctionID,
		IP: clientIP(r), ContentType: r.Header.Get("Content-Type"), QueryParams: r.URL.RawQuery}
	if !h.opts.OmitRequestBody && len(body) > 0 {
		data.Body = body
	}
	ev := runEvent{Name: EventName, Data: data, TS: start.UnixMilli()}
	evJSON, err := jsoncodec.Marshal(ev)
	if err != nil {
		http.Error(w, "inngest: encoding the request: "+err.Error(), http.StatusInternalServerError)
		return
	}
	runID := wire.NewULID(start)
	cp := &checkpointer{cfg: h.cfg, runID: runID, event: ev, retries: h.opts.maxAttempts() - 1,
		now: func() int64 { return h.now().UnixMilli() }}
	rec := newRecorder()
	var returned bool
	call := &exec.Call{
		Fn: h.function(r, rec, &returned, true),
		Req: &wire.CallRequest{
			Ctx:   wire.CallCtx{RunID: runID, MaxAttempts: h.opts.maxAttempts(), StepID: wire.DiscoveryStepID},
			Event: evJSON, Events: []json.RawMessage{evJSON}, Steps: map[string]json.RawMessage{}, Version: 2,
		},
		Checkpoint: cp.send,
		Sender:     h.sender,
		Logger:     h.cfg.Logger,
		Now:        h.now,
	}
	resp := exec.Execute(r.Context(), call)
	detached := context.WithoutCancel(r.Context())
	w.Header().Set(wire.HeaderRunID, runID)

	if returned {
		// The handler finished: record its response as the run's result (with
		// any step a failed checkpoint left unsent) and answer with it.
		ops, _ := reportedOps(resp)
		res, _ := jsoncodec.Marshal(rec.result(h.now().Sub(start)))
		ops = append(ops, wire.Op{Op: wire.OpRunComplete, ID: completeID, Data: res})
		if err := cp.send(detached, ops); err != nil {
			h.logger().Warn("inngest: the durable endpoint's result could not be recorded; the client gets it anyway", "run_id", runID, "error", err)
		}
		rec.writeTo(w)
		return
	}
	if resp.Status == http.StatusPartialContent {
		ops, err := reportedOps(resp)
		if err != nil {
			h.logger().Error("inngest: decoding the durable endpoint's ops", "run_id", runID, "error", err)
			http.Error(w, ErrCheckpoint.Error(), http.StatusServiceUnavailable)
			return
		}
		reason := "wait"
		switch {
		case hasOp(ops, wire.OpStepError, wire.OpStepFailed):
			reason = "step error"
		case onlySteps(ops):
			// A checkpoint failed and the core stopped the handler: ask the
			// server to go on from here.
			reason = "checkpoint"
			ops = append(ops, h.discoveryOp())
		}
		h.async(w, r, cp, ops, reason)
		return
	}
	// An error answer: a panic outside steps, the client went away between
	// steps, or a misuse the core refuses (duplicate step ids).
	var eb wire.ErrorBody
	_ = jsoncodec.Unmarshal(resp.Body, &eb)
	switch {
	case eb.Name == "CallCancelled":
		h.async(w, r, cp, []wire.Op{h.discoveryOp()}, "cancelled")
	case !resp.NoRetry && h.opts.maxAttempts() > 1:
		op := wire.Op{Op: wire.OpStepError, ID: completeID, Name: "complete",
			Error: &wire.MemoError{Name: eb.Name, Message: eb.Message, Stack: eb.Stack}}
		h.async(w, r, cp, []wire.Op{op}, "panic")
	default:
		res, _ := jsoncodec.Marshal(apiResult{Status: http.StatusInternalServerError, Body: string(resp.Body),
			Duration: int64(h.now().Sub(start))})
		if err := cp.send(detached, []wire.Op{{Op: wire.OpRunComplete, ID: completeID, Data: res}}); err != nil {
			h.logger().Warn("inngest: the durable endpoint's failure could not be recorded", "run_id", runID, "error", err)
		}
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// discoveryOp asks the server for a new call of the run (the JavaScript
// SDK's op when it stops a sync run early); its id is unique, so that the
// server does not take it for one it already had.
func (h *handler) discoveryOp() wire.Op {
	return wire.Op{Op: wire.OpDiscoveryRequest, ID: wire.HashID("discovery-request-"+strconv.FormatInt(h.now().UnixNano(), 10), 0)}
}

// async hands the request over to Inngest and answers the client.
func (h *handler) async(w http.ResponseWriter, r *http.Request, cp *checkpointer, ops []wire.Op, reason string) {
	if err := cp.send(context.WithoutCancel(r.Context()), ops); err != nil {
		h.logger().Error("inngest: a durable endpoint could not be handed over to Inngest", "run_id", cp.runID, "reason", reason, "error", err)
		http.Error(w, ErrCheckpoint.Error(), http.StatusServiceUnavailable)
		return
	}
	a := Async{RunID: cp.run.id, OutputURL: outputURL(h.cfg, cp.run), Reason: reason}
	if h.opts.OnAsync != nil {
		h.opts.OnAsync(w, r, a)
		return
	}
	if a.OutputURL != "" {
		http.Redirect(w, r, a.OutputURL, http.StatusSeeOther)
		return
	}
	b, _ := jsoncodec.Marshal(map[string]string{"run_id": a.RunID})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(b)
}

// resume answers a call with which Inngest continues a run: completed steps
// are memoized, the next one runs, and the answer is the protocol's ops.
func (h *handler) resume(w http.ResponseWriter, r *http.Request, runID string, body []byte) {
	sdk := func() {
		w.Header().Set(wire.HeaderSDK, h.cfg.SDK)
		w.Header().Set(wire.HeaderReqVersion, wire.ReqVersion)
		w.Header().Set("Content-Type", "application/json")
	}
	if !h.cfg.Dev {
		if _, err := wire.VerifySignature(r.Header.Get(wire.HeaderSignature), body, h.now(), h.cfg.SigningKey, h.cfg.SigningKeyFallback); err != nil {
			http.Error(w, ErrResumeSignature.Error()+": "+err.Error(), http.StatusUnauthorized)
			return
		}
	}
	steps, err := loadSteps(r.Context(), h.cfg, runID)
	if err != nil {
		sdk()
		resp := exec.ErrorResponse(http.StatusInternalServerError, "Error", ErrResumeState.Error()+": "+err.Error(), "", false, time.Time{})
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
		return
	}
	start := h.now()
	rec := newRecorder()
	var returned bool
	call := &exec.Call{
		Fn: h.function(r, rec, &returned, false),
		Req: &wire.CallRequest{
			// The server sends no attempt: it judges the errors by its own count.
			Ctx:   wire.CallCtx{RunID: runID, MaxAttempts: h.opts.maxAttempts(), StepID: wire.DiscoveryStepID},
			Event: json.RawMessage("{}"), Events: []json.RawMessage{}, Steps: steps, Version: 2,
		},
		StepID: r.Header.Get(wire.HeaderStepID),
		Sender: h.sender,
		Logger: h.cfg.Logger,
		Now:    h.now,
	}
	resp := exec.Execute(r.Context(), call)
	sdk()
	if returned && resp.Status == http.StatusOK {
		res, _ := jsoncodec.Marshal(struct {
			Data apiResult `json:"data"`
		}{rec.result(h.now().Sub(start))})
		out, _ := jsoncodec.Marshal([]wire.Op{{Op: wire.OpSyncRunComplete, ID: completeID, Data: res}})
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(out)
		return
	}
	if resp.NoRetry {
		w.Header().Set(wire.HeaderNoRetry, "true")
	} else if resp.Status >= 300 {
		w.Header().Set(wire.HeaderNoRetry, "false")
	}
	if !resp.RetryAfter.IsZero() {
		d := max(resp.RetryAfter.Sub(h.now()), time.Second)
		w.Header().Set(wire.HeaderRetryAfter, strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// reportedOps decodes the ops of a 206 answer (none for any other).
func reportedOps(resp exec.Response) ([]wire.Op, error) {
	if resp.Status != http.StatusPartialContent {
		return nil, nil
	}
	var ops []wire.Op
	if err := jsoncodec.Unmarshal(resp.Body, &ops); err != nil {
		return nil, errors.Join(ErrCheckpoint, err)
	}
	return ops, nil
}

func hasOp(ops []wire.Op, kinds ...wire.Opcode) bool {
	for _, op := range ops {
		for _, k := range kinds {
			if op.Op == k {
				return true
			}
		}
	}
	return false
}

func onlySteps(ops []wire.Op) bool {
	for _, op := range ops {
		if op.Op != wire.OpStepRun && op.Op != wire.OpStep {
			return false
		}
	}
	return true
}
