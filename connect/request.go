package connect

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"

	"google.golang.org/protobuf/proto"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// request is one acked executor request, from ack to delivered reply.
type request struct {
	data *cp.GatewayExecutorRequestData
	from *conn // the connection it arrived on

	mu        sync.Mutex
	lease     string
	leaseLost bool
	// replied is set while a reply written to the socket awaits its ack: the
	// server drops a request's lease once it has the reply, so extending it
	// then only gets "lease lost" answers.
	replied bool
	acked   chan struct{} // closed on WORKER_REPLY_ACK
	ackOnce sync.Once
}

// accept acks a request and runs it; called by a connection's reader.
func (w *Worker) accept(c *conn, d *cp.GatewayExecutorRequestData) {
	if d.RequestId == "" {
		w.logger.Error("inngest: connect: ignoring an executor request without request_id", "connection_id", c.id, "function_slug", d.FunctionSlug)
		return
	}
	w.mu.Lock()
	_, dup := w.inflight[d.RequestId]
	w.mu.Unlock()
	if dup {
		// A redelivery of a request this worker already runs (a reconnect raced
		// the gateway): ack it again, run it once.
		_ = c.send(cpAck, ackOf(d))
		return
	}
	if w.isClosed() || w.runCtx.Err() != nil {
		return // shutting down: no ack, the lease expires and the request is retried
	}
	if w.sem != nil {
		select {
		case w.sem <- struct{}{}:
		default:
			w.logger.Warn("inngest: connect: at MaxConcurrency; not acking a request (the gateway retries it)", "request_id", d.RequestId, "function_slug", d.FunctionSlug)
			return
		}
	}
	r := &request{data: d, from: c, lease: d.LeaseId, acked: make(chan struct{})}
	w.mu.Lock()
	w.inflight[d.RequestId] = r
	w.mu.Unlock()
	w.requests.Add(1)
	if err := c.send(cpAck, ackOf(d)); err != nil {
		w.logger.Warn("inngest: connect: could not ack a request; running it anyway", "request_id", d.RequestId, "error", err)
	}
	go func() {
		defer w.requests.Done()
		defer func() {
			if w.sem != nil {
				<-w.sem
			}
		}()
		defer func() {
			w.mu.Lock()
			delete(w.inflight, d.RequestId)
			w.mu.Unlock()
		}()
		resp := w.execute(d)
		w.deliver(r, resp)
	}()
}

func ackOf(d *cp.GatewayExecutorRequestData) *cp.WorkerRequestAckData {
	return &cp.WorkerRequestAckData{
		RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId,
		FunctionSlug: d.FunctionSlug, StepId: d.StepId, SystemTraceCtx: d.SystemTraceCtx,
		UserTraceCtx: d.UserTraceCtx, RunId: d.RunId,
	}
}

// traceContext is the JSON of the trace context fields.
type traceContext struct {
	TraceParent string `json:"traceparent"`
	TraceState  string `json:"tracestate"`
}

// execute runs the request through serve's call path (the HTTP handler's
// code) and turns the answer into an SDKResponse.
func (w *Worker) execute(d *cp.GatewayExecutorRequestData) *cp.SDKResponse {
	var tc traceContext
	if len(d.UserTraceCtx) > 0 {
		_ = jsoncodec.Unmarshal(d.UserTraceCtx, &tc)
	}
	stepID := d.GetStepId()
	fnID := d.FunctionSlug
	var resp exec.Response
	if d.AppName != "" && d.AppName != w.appID {
		resp = exec.ErrorResponse(http.StatusNotFound, "FunctionNotFound",
			"inngest: connect: request for app "+d.AppName+" reached a worker of app "+w.appID, "", false, time.Time{})
	} else {
		call, early := w.tr.Prepare(w.runCtx, fnID, stepID, d.RequestPayload, tc.TraceParent, tc.TraceState)
		resp = early
		if call != nil {
			resp = exec.Execute(w.runCtx, call)
		}
	}
	if resp.Status == http.StatusNotFound {
		w.logger.Warn("inngest: connect: request for a function this worker does not serve", "function_slug", d.FunctionSlug, "app_name", d.AppName, "request_id", d.RequestId)
	}
	out := &cp.SDKResponse{
		RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId,
		Body: resp.Body, SdkVersion: w.tr.Config().SDK, RequestVersion: 2,
		SystemTraceCtx: d.SystemTraceCtx, UserTraceCtx: d.UserTraceCtx, RunId: d.RunId,
	}
	switch resp.Status {
	case http.StatusOK:
		out.Status = cp.SDKResponseStatus_DONE
	case http.StatusPartialContent:
		out.Status = cp.SDKResponseStatus_NOT_COMPLETED
	default:
		out.Status = cp.SDKResponseStatus_ERROR
	}
	h := w.tr.Headers(resp)
	out.NoRetry = h[wire.HeaderNoRetry] == "true"
	if ra := h[wire.HeaderRetryAfter]; ra != "" {
		out.RetryAfter = proto.String(ra)
	}
	if len(out.SystemTraceCtx) == 0 {
		out.SystemTraceCtx = []byte("{}") // the flush endpoint refuses an empty one
	}
	return out
}

// deliver sends the reply on the current connection and waits for its ack;
// without a connection, when the write fails, the connection ends before the
// ack or no ack comes in time, the reply goes to the flush endpoint (retried
// until it lands or Close).
func (w *Worker) deliver(r *request, resp *cp.SDKResponse) {
	if w.isClosed() {
		return // Close: stop at once; the lease expires and the request is retried
	}
	c := w.current()
	if c == nil && !r.from.ended() {
		c = r.from
	}
	if c != nil {
		r.setReplied(true) // before the write: no extension follows the reply
		if err := c.send(cpReply, resp); err == nil {
			t := time.NewTimer(w.opts.ReplyAckTimeout)
			defer t.Stop()
			select {
			case <-r.acked:
				return
			case <-t.C:
				// The reply may not have arrived: hold the lease while flushing.
				r.setReplied(false)
				w.logger.Warn("inngest: connect: no WORKER_REPLY_ACK; flushing the reply", "request_id", resp.RequestId)
			case <-c.done:
				// The socket went away (a gateway restart or drain) before the ack:
				// no ack can come on it, so do not wait out ReplyAckTimeout.
				w.logger.Warn("inngest: connect: the connection closed before WORKER_REPLY_ACK; flushing the reply", "request_id", resp.RequestId, "connection_id", c.id)
			case <-w.closed:
				return
			}
		} else {
			r.setReplied(false)
			w.logger.Warn("inngest: connect: could not write the reply; flushing it", "request_id", resp.RequestId, "error", err)
		}
	}
	w.flush(r, resp)
}

func (r *request) setReplied(v bool) {
	r.mu.Lock()
	r.replied = v
	r.mu.Unlock()
}

func (w *Worker) flush(r *request, resp *cp.SDKResponse) {
	body, err := proto.Marshal(resp)
	if err != nil {
		w.logger.Error("inngest: connect: encoding a reply", "request_id", resp.RequestId, "error", err)
		return
	}
	h := http.Header{}
	h.Set("Content-Type", "application/protobuf")
	url := strings.TrimRight(w.tr.Config().APIBaseURL, "/") + cp.FlushPath
	for attempt := 0; ; attempt++ {
		select {
		case <-r.acked: // a late ack arrived on the socket meanwhile
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, raw, err := w.tr.API(ctx, http.MethodPost, url, body, h)
		cancel()
		if err == nil && res.StatusCode == http.StatusOK {
			var fr cp.FlushResponse
			if proto.Unmarshal(raw, &fr) == nil && fr.RequestId == resp.RequestId {
				return
			}
			err = errors.New("flush answer does not name the request")
		}
		if err == nil {
			err = errors.New(res.Status + ": " + truncate(raw))
			if res.StatusCode == http.StatusBadRequest {
				w.logger.Error("inngest: connect: the flush endpoint refused the reply; it is lost and the request will be retried", "request_id", resp.RequestId, "error", err)
				return
			}
		}
		d := backoff(attempt, w.opts.ReconnectMin, w.opts.ReconnectMax)
		w.logger.Warn("inngest: connect: flushing a reply failed; retrying", "request_id", resp.RequestId, "error", err, "retry_in", d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.acked:
			t.Stop()
			return
		case <-w.closed:
			t.Stop()
			return
		}
	}
}

func (w *Worker) replyAcked(id string) {
	w.mu.Lock()
	r := w.inflight[id]
	w.mu.Unlock()
	if r != nil {
		r.ackOnce.Do(func() { close(r.acked) })
	}
}

func (w *Worker) inflightIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]string, 0, len(w.inflight))
	for id := range w.inflight {
		ids = append(ids, id)
	}
	return ids
}
