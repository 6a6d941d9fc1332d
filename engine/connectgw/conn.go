package connectgw

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// writeTimeout bounds one WebSocket write, as the server's.
const writeTimeout = 5 * time.Second

// statusRateLimit is the least time between two WORKER_STATUS handled.
const statusRateLimit = 2 * time.Second

// conn is one worker connection. The fields after mu-guarded are guarded by
// Gateway.mu.
type conn struct {
	g    *Gateway
	ws   *websocket.Conn
	log  *slog.Logger
	done chan struct{}
	// drain is closed by startDrain.
	drain     chan struct{}
	drainOnce sync.Once

	id, instanceID, sdk string
	apps                map[string]string // app name → app ID
	maxConcurrency      int64

	// mu-guarded:
	ready, paused, draining bool
	since, lastHeartbeat    time.Time
	lastStatus              time.Time
	status                  *connectproto.WorkerStatusData
	inflight                map[string]*request
}

// frame is one message read from the socket, or the read's error.
type frame struct {
	b   []byte
	err error
}

func (c *conn) startDrain() { c.drainOnce.Do(func() { close(c.drain) }) }

// routableLocked reports whether the connection may take a new request of app.
func (c *conn) routableLocked(app string) bool {
	if !c.ready || c.paused || c.draining {
		return false
	}
	if _, ok := c.apps[app]; !ok {
		return false
	}
	return c.maxConcurrency <= 0 || int64(len(c.inflight)) < c.maxConcurrency
}

func (c *conn) infoLocked() ConnInfo {
	apps := make([]string, 0, len(c.apps))
	for a := range c.apps {
		apps = append(apps, a)
	}
	sort.Strings(apps)
	st := connectproto.ConnectionStatus_CONNECTED
	switch {
	case c.paused || c.draining:
		st = connectproto.ConnectionStatus_DRAINING
	case c.ready:
		st = connectproto.ConnectionStatus_READY
	}
	return ConnInfo{ID: c.id, InstanceID: c.instanceID, Apps: apps, SDK: c.sdk, Since: c.since,
		LastHeartbeat: c.lastHeartbeat, InFlight: len(c.inflight), Status: st.String()}
}

// write sends one message.
func (c *conn) write(kind connectproto.GatewayMessageType, payload proto.Message) error {
	var p []byte
	if payload != nil {
		var err error
		if p, err = proto.Marshal(payload); err != nil {
			return err
		}
	}
	b, err := proto.Marshal(&connectproto.ConnectMessage{Kind: kind, Payload: p})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

// closeWith closes the connection with a socket error's status and code.
func (c *conn) closeWith(e *socketError) {
	c.log.Warn("connect: closing connection", "code", e.code, "msg", e.msg)
	_ = c.ws.Close(e.status, e.code)
}

// handleWebSocket runs one worker connection.
func (g *Gateway) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	closed := g.closed
	if !closed {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{connectproto.Subprotocol}})
	if err != nil {
		if !closed {
			g.wg.Done()
		}
		return
	}
	if closed {
		_ = ws.Close(websocket.StatusGoingAway, codeGatewayClosing)
		return
	}
	defer g.wg.Done()
	ws.SetReadLimit(g.opts.MaxMessageBytes)
	c := &conn{g: g, ws: ws, log: g.log, done: make(chan struct{}), drain: make(chan struct{}), inflight: map[string]*request{}}
	defer close(c.done)
	defer func() { _ = ws.CloseNow() }()

	ctx, cancel := context.WithCancel(g.ctx)
	defer cancel()
	// The reader has its own context: cancelling a read's context closes
	// the socket, which must wait until the handler wrote its last frame.
	readCtx, readCancel := context.WithCancel(context.Background())
	frames := make(chan frame)
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			_, b, err := ws.Read(readCtx)
			select {
			case frames <- frame{b: b, err: err}:
			case <-readCtx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer readers.Wait()
	defer readCancel()

	if err := c.write(connectproto.GatewayMessageType_GATEWAY_HELLO, nil); err != nil {
		return
	}
	if serr := c.handshake(ctx, frames); serr != nil {
		if serr.syncFailed {
			_ = c.write(connectproto.GatewayMessageType_SYNC_FAILED, &connectproto.SystemError{Code: serr.code, Message: serr.msg})
		}
		c.closeWith(serr)
		return
	}
	defer g.removeConn(c)
	c.run(ctx, frames)
}

// handshake reads WORKER_CONNECT, authenticates it, syncs its apps,
// registers the connection and sends GATEWAY_CONNECTION_READY.
func (c *conn) handshake(ctx context.Context, frames <-chan frame) *socketError {
	g := c.g
	timer := time.NewTimer(g.opts.HandshakeTimeout)
	defer timer.Stop()
	var f frame
	select {
	case f = <-frames:
	case <-timer.C:
		return &socketError{status: websocket.StatusPolicyViolation, code: codeHelloTimeout, msg: "Timeout waiting for worker SDK connect message"}
	case <-ctx.Done():
		return &socketError{status: websocket.StatusGoingAway, code: codeGatewayClosing, msg: "Gateway is draining, reconnect to another gateway"}
	}
	if f.err != nil {
		return &socketError{status: websocket.StatusInternalError, code: codeInternal, msg: f.err.Error()}
	}
	data, serr := decodeConnect(f.b)
	if serr != nil {
		return serr
	}
	if verifyToken(g.secret, data.GetAuthData().GetSessionToken(), time.Now()) != nil {
		return &socketError{status: websocket.StatusPolicyViolation, code: codeAuthFailed, msg: "Authentication failed"}
	}
	if len(data.Apps) > g.opts.MaxAppsPerConnection {
		return &socketError{status: websocket.StatusPolicyViolation, code: codeTooManyApps, msg: "You exceeded the max. number of allowed apps per connection"}
	}
	if g.host.RequiresKey() && !g.host.KeyAuthorized(data.GetAuthData().GetSyncToken()) {
		return &socketError{status: websocket.StatusPolicyViolation, code: codeAuthFailed, msg: "Authentication failed", syncFailed: true}
	}
	ids, serr := g.syncApps(ctx, data)
	if serr != nil {
		return serr
	}
	c.id, c.instanceID, c.sdk, c.apps = data.ConnectionId, data.InstanceId, data.SdkLanguage+":"+data.SdkVersion, ids
	c.maxConcurrency = data.GetMaxWorkerConcurrency()
	c.log = g.log.With("conn_id", c.id, "instance_id", c.instanceID)
	now := time.Now()
	g.mu.Lock()
	if old := g.conns[c.id]; old != nil {
		old.startDrain() // a worker reusing its connection ID replaces the old one
	}
	c.since, c.lastHeartbeat = now, now
	g.conns[c.id] = c
	g.mu.Unlock()
	err := c.write(connectproto.GatewayMessageType_GATEWAY_CONNECTION_READY, &connectproto.GatewayConnectionReadyData{
		HeartbeatInterval:   g.opts.HeartbeatInterval.String(),
		ExtendLeaseInterval: g.opts.ExtendLeaseInterval.String(),
		StatusInterval:      g.opts.StatusInterval.String(),
	})
	if err != nil {
		return &socketError{status: websocket.StatusInternalError, code: codeInternal, msg: "could not send gateway connection ready"}
	}
	if !data.WorkerManualReadinessAck {
		c.setReady()
	}
	c.log.Info("connect: worker connected", "apps", len(ids), "sdk", c.sdk)
	return nil
}

// decodeConnect decodes and checks the handshake's WORKER_CONNECT.
func decodeConnect(b []byte) (*connectproto.WorkerConnectRequestData, *socketError) {
	var msg connectproto.ConnectMessage
	if err := proto.Unmarshal(b, &msg); err != nil {
		return nil, &socketError{status: websocket.StatusInvalidFramePayloadData, code: "failed to unmarshal Protobuf", msg: err.Error()}
	}
	if msg.Kind != connectproto.GatewayMessageType_WORKER_CONNECT {
		return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeHelloInvalidMsg, msg: "Invalid first message, expected sdk-connect"}
	}
	var data connectproto.WorkerConnectRequestData
	if err := proto.Unmarshal(msg.Payload, &data); err != nil {
		return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload, msg: "Invalid Protobuf in SDK connect message"}
	}
	if _, err := wire.ULIDTime(data.ConnectionId); err != nil {
		return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload, msg: "Invalid connection ID in SDK connect message"}
	}
	if data.InstanceId == "" {
		return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload, msg: "Missing instanceId in SDK connect message"}
	}
	if len(data.Apps) == 0 {
		return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload, msg: "Missing apps in SDK connect message"}
	}
	return &data, nil
}

func (c *conn) setReady() {
	c.g.mu.Lock()
	if !c.draining && !c.paused && !c.ready {
		c.ready = true
		c.g.notifyRoutableLocked()
	}
	c.g.mu.Unlock()
}

// run serves a connection after the handshake until it closes.
func (c *conn) run(ctx context.Context, frames <-chan frame) {
	g := c.g
	hb := time.NewTicker(g.opts.HeartbeatInterval)
	defer hb.Stop()
	var drainTimeout <-chan time.Time
	drain := c.drain
	for {
		select {
		case f := <-frames:
			if f.err != nil {
				c.log.Info("connect: worker disconnected", "reason", closeReason(f.err))
				return
			}
			if serr := c.handle(f.b); serr != nil {
				c.closeWith(serr)
				return
			}
		case now := <-hb.C:
			g.mu.Lock()
			last := c.lastHeartbeat
			g.mu.Unlock()
			if now.Sub(last) > time.Duration(g.opts.MissedHeartbeats)*g.opts.HeartbeatInterval {
				c.log.Warn("connect: closing connection", "reason", connectproto.WorkerDisconnectReason_CONSECUTIVE_HEARTBEATS_MISSED.String())
				return // the deferred CloseNow drops it, as the server does
			}
		case <-drain:
			drain = nil
			g.mu.Lock()
			c.draining = true
			g.mu.Unlock()
			if c.write(connectproto.GatewayMessageType_GATEWAY_CLOSING, nil) != nil {
				return
			}
			t := time.NewTimer(g.opts.DrainTimeout)
			defer t.Stop()
			drainTimeout = t.C
		case <-drainTimeout:
			c.closeWith(&socketError{status: websocket.StatusGoingAway, code: codeGatewayClosing, msg: "drain timed out"})
			return
		case <-ctx.Done():
			// Shutting down: like the dev server on SIGTERM (drain.json),
			// GATEWAY_CLOSING and then the socket drops with no close frame
			// (the deferred CloseNow); the worker reconnects.
			g.mu.Lock()
			c.draining = true
			g.mu.Unlock()
			_ = c.write(connectproto.GatewayMessageType_GATEWAY_CLOSING, nil)
			return
		}
	}
}

// closeReason describes why a read ended.
func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Reason != "" {
			return ce.Reason
		}
		return ce.Code.String()
	}
	return err.Error()
}

// removeConn forgets a closed connection; its acked requests keep their
// leases (the worker may extend them and reply over another connection or
// flush), and the requests waiting for its ack are re-routed.
func (g *Gateway) removeConn(c *conn) {
	g.mu.Lock()
	if g.conns[c.id] == c {
		delete(g.conns, c.id)
	}
	g.mu.Unlock()
}

// forward sends a request to the connection and waits for its ack.
func (c *conn) forward(ctx context.Context, req *request, data *connectproto.GatewayExecutorRequestData) error {
	if err := c.write(connectproto.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, data); err != nil {
		return err
	}
	timer := time.NewTimer(c.g.opts.LeaseDuration + c.g.opts.LeaseGrace)
	defer timer.Stop()
	select {
	case <-req.acked:
		return nil
	case resp := <-req.reply: // replied before its ack was read: as good as acked
		req.reply <- resp
		return nil
	case <-c.done: // a drain does not abort it: the worker still runs what it received
		return errConnGone
	case <-timer.C:
		return errors.New("worker did not ACK request " + req.call.RequestID)
	case <-ctx.Done():
		return ctx.Err()
	}
}
