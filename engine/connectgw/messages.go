package connectgw

import (
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// workerMessage is a decoded message from a worker: its kind and, for the
// kinds that have one, its decoded payload.
type workerMessage struct {
	kind    connectproto.GatewayMessageType
	ack     *connectproto.WorkerRequestAckData
	reply   *connectproto.SDKResponse
	lease   *connectproto.WorkerRequestExtendLeaseData
	status  *connectproto.WorkerStatusData
	ignored bool // a kind a worker does not send, or an undecodable status
}

// decodeWorkerMessage decodes a message of a connected worker as the
// server's gateway does; a *socketError closes the connection. Every byte
// of it comes from the worker: it must never panic.
func decodeWorkerMessage(b []byte) (workerMessage, *socketError) {
	var msg connectproto.ConnectMessage
	if err := proto.Unmarshal(b, &msg); err != nil {
		return workerMessage{}, &socketError{status: websocket.StatusInvalidFramePayloadData, code: "failed to unmarshal Protobuf", msg: err.Error()}
	}
	m := workerMessage{kind: msg.Kind}
	switch msg.Kind {
	case connectproto.GatewayMessageType_WORKER_READY, connectproto.GatewayMessageType_WORKER_HEARTBEAT,
		connectproto.GatewayMessageType_WORKER_PAUSE:
	case connectproto.GatewayMessageType_WORKER_STATUS:
		var d connectproto.WorkerStatusData
		if proto.Unmarshal(msg.Payload, &d) != nil {
			m.ignored = true // the server logs it and carries on
		} else {
			m.status = &d
		}
	case connectproto.GatewayMessageType_WORKER_REQUEST_ACK:
		var d connectproto.WorkerRequestAckData
		if proto.Unmarshal(msg.Payload, &d) != nil {
			return m, &socketError{status: websocket.StatusPolicyViolation, code: codeAckInvalidPayload, msg: "invalid payload in worker request ack"}
		}
		m.ack = &d
	case connectproto.GatewayMessageType_WORKER_REPLY:
		var d connectproto.SDKResponse
		if proto.Unmarshal(msg.Payload, &d) != nil {
			return m, &socketError{status: websocket.StatusInternalError, code: codeInternal, msg: "could not handle SDK reply"}
		}
		m.reply = &d
	case connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE:
		var d connectproto.WorkerRequestExtendLeaseData
		if proto.Unmarshal(msg.Payload, &d) != nil {
			return m, &socketError{status: websocket.StatusPolicyViolation, code: codeLeaseInvalidPayload, msg: "invalid payload in worker request extend lease"}
		}
		if _, err := wire.ULIDTime(d.LeaseId); err != nil {
			return m, &socketError{status: websocket.StatusPolicyViolation, code: codeLeaseInvalidPayload, msg: "invalid lease ID in worker request extend lease payload"}
		}
		m.lease = &d
	default:
		m.ignored = true
	}
	return m, nil
}

// handle acts on one message of a connected worker.
func (c *conn) handle(b []byte) *socketError {
	m, serr := decodeWorkerMessage(b)
	if serr != nil {
		return serr
	}
	g := c.g
	switch {
	case m.ignored:
		c.log.Warn("connect: unexpected message ignored", "kind", m.kind.String())
	case m.kind == connectproto.GatewayMessageType_WORKER_READY:
		g.mu.Lock()
		draining := c.draining
		g.mu.Unlock()
		if draining {
			return &socketError{status: websocket.StatusGoingAway, code: codeGatewayClosing, msg: "Gateway is draining, reconnect to another gateway"}
		}
		c.setReady()
	case m.kind == connectproto.GatewayMessageType_WORKER_HEARTBEAT:
		g.mu.Lock()
		c.lastHeartbeat = time.Now()
		g.mu.Unlock()
		_ = c.write(connectproto.GatewayMessageType_GATEWAY_HEARTBEAT, nil)
	case m.kind == connectproto.GatewayMessageType_WORKER_PAUSE:
		g.mu.Lock()
		c.paused = true
		g.mu.Unlock()
		c.log.Info("connect: worker paused: no new requests")
	case m.status != nil:
		g.mu.Lock()
		if now := time.Now(); now.Sub(c.lastStatus) >= statusRateLimit {
			c.lastStatus, c.status = now, m.status
		}
		g.mu.Unlock()
	case m.ack != nil:
		if !g.ack(m.ack.RequestId) {
			c.log.Warn("connect: ack for unknown request", "request_id", m.ack.RequestId)
		}
	case m.reply != nil:
		g.deliver(m.reply)
		_ = c.write(connectproto.GatewayMessageType_WORKER_REPLY_ACK, &connectproto.WorkerReplyAckData{RequestId: m.reply.RequestId})
	case m.lease != nil:
		d := m.lease
		next := g.extendLease(d.RequestId, d.LeaseId)
		if next == nil {
			c.log.Warn("connect: lease not extended (expired, replaced or unknown)", "request_id", d.RequestId)
		}
		_ = c.write(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, &connectproto.WorkerRequestExtendLeaseAckData{
			RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId, FunctionSlug: d.FunctionSlug, NewLeaseId: next,
		})
	}
	return nil
}
