package connectgw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// request is a call in flight. Its lease fields are guarded by Gateway.mu.
type request struct {
	call     engine.ConnectCall
	leaseID  string
	leaseExp time.Time
	// conn is the connection the request was forwarded to.
	conn *conn
	// acked receives nil on WORKER_REQUEST_ACK (buffered, one send).
	acked chan error
	// reply receives the worker's reply (buffered, one send).
	reply chan *connectproto.SDKResponse
}

// traceCtx is the trace context sent with requests; the worker echoes it
// and the flush endpoint wants a JSON object there.
var traceCtx = []byte("{}")

// maxForwards is how many connections a request is offered to before the
// call fails, as the server re-routes a forward that got no ack.
const maxForwards = 3

// Call implements engine.ConnectTransport: it leases the request, forwards it
// to a ready connection of the app, waits for the ack and then for the
// reply while the worker keeps the lease; an expired lease fails the call
// (the engine retries it on whichever connection is healthy then).
func (g *Gateway) Call(ctx context.Context, call engine.ConnectCall) (engine.ConnectReply, error) {
	now := time.Now()
	req := &request{call: call, leaseID: wire.NewULID(now), leaseExp: now.Add(g.opts.LeaseDuration),
		acked: make(chan error, 1), reply: make(chan *connectproto.SDKResponse, 1)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return engine.ConnectReply{}, ErrGatewayClosed
	}
	if b, ok := g.buffered[call.RequestID]; ok {
		delete(g.buffered, call.RequestID)
		g.mu.Unlock()
		return toReply(b.resp), nil
	}
	g.reqs[call.RequestID] = req
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.reqs, call.RequestID)
		if req.conn != nil {
			delete(req.conn.inflight, call.RequestID)
		}
		g.mu.Unlock()
	}()

	stepID := call.StepID
	data := &connectproto.GatewayExecutorRequestData{
		RequestId: call.RequestID, AccountId: devAccountID, EnvId: devEnvID,
		AppId: call.AppID, AppName: call.AppName, FunctionId: call.FunctionID, FunctionSlug: call.FunctionSlug,
		StepId: &stepID, RequestPayload: call.Body, SystemTraceCtx: traceCtx, UserTraceCtx: traceCtx,
		RunId: call.RunID, JobId: call.JobID,
	}
	var err error
	for range maxForwards {
		var c *conn
		if c, err = g.route(ctx, call.AppName, req); err != nil {
			return engine.ConnectReply{}, err
		}
		g.mu.Lock()
		data.LeaseId = req.leaseID
		g.mu.Unlock()
		if err = c.forward(ctx, req, data); err == nil {
			break
		}
		g.log.Warn("connect: forward failed, re-routing", "request_id", call.RequestID, "conn_id", c.id, "err", err)
		g.mu.Lock()
		delete(c.inflight, call.RequestID)
		req.conn = nil
		g.mu.Unlock()
	}
	if err != nil {
		return engine.ConnectReply{}, fmt.Errorf("inngest: connect: could not forward the request: %w", err)
	}
	rep, err := g.await(ctx, req)
	if err == nil {
		g.mu.Lock()
		if c := req.conn; c != nil {
			rep.ConnectionID, rep.InstanceID = c.id, c.instanceID
		}
		g.mu.Unlock()
	}
	return rep, err
}

// await waits for the reply of a forwarded request while its lease holds.
func (g *Gateway) await(ctx context.Context, req *request) (engine.ConnectReply, error) {
	tick := time.NewTicker(g.opts.ExtendLeaseInterval)
	defer tick.Stop()
	for {
		select {
		case resp := <-req.reply:
			return toReply(resp), nil
		case <-ctx.Done():
			return engine.ConnectReply{}, ctx.Err()
		case <-g.ctx.Done():
			return engine.ConnectReply{}, ErrGatewayClosed
		case now := <-tick.C:
			g.mu.Lock()
			expired := now.After(req.leaseExp)
			g.mu.Unlock()
			if !expired {
				continue
			}
			grace := time.NewTimer(g.opts.LeaseGrace)
			select {
			case resp := <-req.reply:
				grace.Stop()
				return toReply(resp), nil
			case <-grace.C:
				g.log.Warn("connect: lease expired", "request_id", req.call.RequestID, "run_id", req.call.RunID)
				return engine.ConnectReply{}, ErrWorkerStoppedResponding
			case <-ctx.Done():
				grace.Stop()
				return engine.ConnectReply{}, ctx.Err()
			case <-g.ctx.Done():
				grace.Stop()
				return engine.ConnectReply{}, ErrGatewayClosed
			}
		}
	}
}

// route picks a ready connection of app with capacity (the one with the
// fewest requests in flight) and assigns req to it, waiting up to
// RouteTimeout for one.
func (g *Gateway) route(ctx context.Context, app string, req *request) (*conn, error) {
	timer := time.NewTimer(g.opts.RouteTimeout)
	defer timer.Stop()
	for {
		g.mu.Lock()
		var best *conn
		for _, c := range g.conns {
			if !c.routableLocked(app) {
				continue
			}
			if best == nil || len(c.inflight) < len(best.inflight) || (len(c.inflight) == len(best.inflight) && c.since.After(best.since)) {
				best = c
			}
		}
		if best != nil {
			best.inflight[req.call.RequestID] = req
			req.conn = best
			g.mu.Unlock()
			return best, nil
		}
		wait := g.routable
		g.mu.Unlock()
		select {
		case <-wait:
		case <-timer.C:
			return nil, ErrNoHealthyConnection
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-g.ctx.Done():
			return nil, ErrGatewayClosed
		}
	}
}

// deliver hands a worker's reply to its call, or keeps it for a call with
// that request ID still to come (bounded, like the server's buffer).
func (g *Gateway) deliver(resp *connectproto.SDKResponse) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if req := g.reqs[resp.RequestId]; req != nil {
		select {
		case req.reply <- resp:
		default: // a second reply for the same request: the first wins
		}
		return
	}
	now := time.Now()
	for id, b := range g.buffered {
		if now.Sub(b.at) > bufferedTTL {
			delete(g.buffered, id)
		}
	}
	if len(g.buffered) < maxBuffered {
		g.buffered[resp.RequestId] = bufferedReply{resp: resp, at: now}
	}
}

// extendLease extends a request's lease when leaseID is its current one and
// has not expired, returning the new lease ID; it returns nil otherwise (the
// worker then stops extending: the request will be retried).
func (g *Gateway) extendLease(requestID, leaseID string) *string {
	g.mu.Lock()
	defer g.mu.Unlock()
	req := g.reqs[requestID]
	now := time.Now()
	if req == nil || req.leaseID != leaseID || now.After(req.leaseExp) {
		return nil
	}
	req.leaseID = wire.NewULID(now)
	req.leaseExp = now.Add(g.opts.LeaseDuration)
	return proto.String(req.leaseID)
}

// ack completes a request's wait for WORKER_REQUEST_ACK; false when no call
// waits for that request.
func (g *Gateway) ack(requestID string) bool {
	g.mu.Lock()
	req := g.reqs[requestID]
	g.mu.Unlock()
	if req == nil {
		return false
	}
	select {
	case req.acked <- nil:
	default:
	}
	return true
}

// toReply converts an SDK response as the server's connect driver does.
func toReply(r *connectproto.SDKResponse) engine.ConnectReply {
	status := http.StatusInternalServerError
	switch r.Status {
	case connectproto.SDKResponseStatus_DONE:
		status = http.StatusOK
	case connectproto.SDKResponseStatus_NOT_COMPLETED:
		status = http.StatusPartialContent
	}
	return engine.ConnectReply{Status: status, Body: r.Body, NoRetry: r.NoRetry, RetryAfter: r.GetRetryAfter(),
		RequestVersion: int(r.RequestVersion), SDKVersion: r.SdkVersion}
}

// errConnGone is a forward to a connection that closed or stopped routing.
var errConnGone = errors.New("connection closed before the worker acked the request")
