package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

const (
	cpHello     = cp.GatewayMessageType_GATEWAY_HELLO
	cpConnect   = cp.GatewayMessageType_WORKER_CONNECT
	cpReady     = cp.GatewayMessageType_GATEWAY_CONNECTION_READY
	cpRequest   = cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST
	cpAck       = cp.GatewayMessageType_WORKER_REQUEST_ACK
	cpExtend    = cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE
	cpExtendAck = cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK
	cpReply     = cp.GatewayMessageType_WORKER_REPLY
	cpReplyAck  = cp.GatewayMessageType_WORKER_REPLY_ACK
	cpPause     = cp.GatewayMessageType_WORKER_PAUSE
	cpHeartbeat = cp.GatewayMessageType_WORKER_HEARTBEAT
	cpGatewayHB = cp.GatewayMessageType_GATEWAY_HEARTBEAT
	cpClosing   = cp.GatewayMessageType_GATEWAY_CLOSING
	cpSyncFail  = cp.GatewayMessageType_SYNC_FAILED
	cpStatus    = cp.GatewayMessageType_WORKER_STATUS
)

// Timeouts of the handshake and of one frame write.
const (
	helloTimeout = 10 * time.Second
	readyTimeout = 20 * time.Second
	writeTimeout = 10 * time.Second
)

// conn is one WebSocket connection to a gateway. Two goroutines serve it: the
// reader, and the timer loop (heartbeats, status).
type conn struct {
	w     *Worker
	ws    *websocket.Conn
	id    string
	group string

	heartbeat, status time.Duration
	// unanswered counts heartbeats sent since the last frame from the gateway.
	unanswered atomic.Int32

	done     chan struct{} // closed when both goroutines ended
	draining chan struct{} // closed on GATEWAY_CLOSING
	drainMu  sync.Once
	errMu    sync.Mutex
	err      error
	stop     context.CancelFunc
}

func (c *conn) ended() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *conn) error() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

func (c *conn) fail(err error) {
	c.errMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.errMu.Unlock()
}

// connect asks the API for a gateway, dials it and performs the handshake;
// the returned connection is ready for requests.
func (w *Worker) connect(ctx context.Context, exclude []string) (*conn, error) {
	start, err := w.start(ctx, exclude)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, start.GatewayEndpoint, &websocket.DialOptions{
		Subprotocols: []string{cp.Subprotocol},
		HTTPClient:   w.tr.Config().HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("dialing gateway %s: %w", start.GatewayEndpoint, err)
	}
	if ws.Subprotocol() != cp.Subprotocol {
		_ = ws.Close(websocket.StatusProtocolError, "subprotocol")
		return nil, fmt.Errorf("gateway did not accept subprotocol %q", cp.Subprotocol)
	}
	ws.SetReadLimit(w.opts.MaxMessageBytes)
	ready, err := w.handshake(ctx, ws, start)
	if err != nil {
		_ = ws.Close(websocket.StatusPolicyViolation, "handshake failed")
		return nil, err
	}
	hb := w.opts.HeartbeatInterval
	if hb <= 0 {
		hb = interval(ready.HeartbeatInterval, 10*time.Second)
	}
	c := &conn{
		w: w, ws: ws, id: start.ConnectionId, group: start.GatewayGroup,
		heartbeat: hb, status: interval(ready.StatusInterval, 0),
		done: make(chan struct{}), draining: make(chan struct{}),
	}
	if w.opts.ExtendLeaseInterval <= 0 {
		w.setLeaseInterval(interval(ready.ExtendLeaseInterval, 30*time.Second))
	}
	cctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	// Current before the reader starts: a request that arrives at once has its
	// reply sent on this connection, not flushed.
	w.setCurrent(c)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.read(cctx) }()
	go func() { defer wg.Done(); c.tick(cctx) }()
	go func() { wg.Wait(); close(c.done) }()
	return c, nil
}

// start is POST /v0/connect/start.
func (w *Worker) start(ctx context.Context, exclude []string) (*cp.StartResponse, error) {
	body, err := proto.Marshal(&cp.StartRequest{ExcludeGateways: exclude})
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/protobuf")
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := strings.TrimRight(w.tr.Config().APIBaseURL, "/") + cp.StartPath
	keys := "the signing key"
	if w.tr.Config().SigningKeyFallback != "" {
		keys = "the signing key and its fallback"
	}
	resp, raw, err := w.tr.API(rctx, http.MethodPost, url, body, h)
	if err != nil {
		if strings.Contains(err.Error(), "answered 401") || strings.Contains(err.Error(), "answered 403") {
			return nil, fmt.Errorf("%w: POST %s refused %s: %v", ErrUnauthorized, url, keys, err)
		}
		return nil, fmt.Errorf("connect start: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%w: POST %s refused %s: %s: %s", ErrUnauthorized, url, keys, resp.Status, strings.TrimSpace(truncate(raw)))
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("connect start: %s: %s", resp.Status, truncate(raw))
	}
	return decodeStart(raw)
}

func truncate(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

func (w *Worker) handshake(ctx context.Context, ws *websocket.Conn, start *cp.StartResponse) (*cp.GatewayConnectionReadyData, error) {
	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	kind, _, err := readFrame(hctx, ws)
	if err != nil {
		return nil, fmt.Errorf("waiting for GATEWAY_HELLO: %w", err)
	}
	if kind != cpHello {
		return nil, fmt.Errorf("%w: expected GATEWAY_HELLO, got %s", ErrBadFrame, kind)
	}
	cfg := w.tr.Config()
	data := &cp.WorkerConnectRequestData{
		ConnectionId: start.ConnectionId,
		InstanceId:   w.opts.InstanceID,
		AuthData:     &cp.AuthData{SessionToken: start.SessionToken, SyncToken: start.SyncToken},
		Capabilities: []byte(`{"trust_probe":"v1","connect":"v1"}`),
		Apps: []*cp.AppConfiguration{{
			AppName:   w.appID,
			Functions: w.fns,
		}},
		SystemAttributes: &cp.SystemAttributes{CpuCores: int32(runtime.NumCPU()), Os: runtime.GOOS},
		Framework:        "connect",
		SdkVersion:       cfg.SDKVersion,
		SdkLanguage:      "go",
		StartedAt:        timestamppb.Now(),
	}
	if w.opts.AppVersion != "" {
		data.Apps[0].AppVersion = proto.String(w.opts.AppVersion)
	}
	if cfg.Env != "" {
		data.Environment = proto.String(cfg.Env)
	}
	if cfg.Platform != "" {
		data.Platform = proto.String(cfg.Platform)
	}
	if w.opts.MaxConcurrency > 0 {
		data.MaxWorkerConcurrency = proto.Int64(int64(w.opts.MaxConcurrency))
	}
	if err := writeFrame(ctx, ws, cpConnect, data); err != nil {
		return nil, fmt.Errorf("sending WORKER_CONNECT: %w", err)
	}
	rctx, cancel2 := context.WithTimeout(ctx, readyTimeout)
	defer cancel2()
	kind, m, err := readFrame(rctx, ws)
	if err != nil {
		return nil, fmt.Errorf("waiting for GATEWAY_CONNECTION_READY: %w", err)
	}
	switch kind {
	case cpReady:
		return m.(*cp.GatewayConnectionReadyData), nil
	case cpSyncFail:
		se := m.(*cp.SystemError)
		return nil, fmt.Errorf("gateway could not sync the app: %s: %s", se.Code, se.Message)
	}
	return nil, fmt.Errorf("%w: expected GATEWAY_CONNECTION_READY, got %s", ErrBadFrame, kind)
}

func readFrame(ctx context.Context, ws *websocket.Conn) (cp.GatewayMessageType, proto.Message, error) {
	typ, b, err := ws.Read(ctx)
	if err != nil {
		return 0, nil, err
	}
	if typ != websocket.MessageBinary {
		return 0, nil, fmt.Errorf("%w: text frame", ErrBadFrame)
	}
	return decodeFrame(b)
}

// encodeFrame is the bytes of one binary frame to the gateway: the envelope
// of kind carrying payload (none when nil).
func encodeFrame(kind cp.GatewayMessageType, payload proto.Message) ([]byte, error) {
	env := &cp.ConnectMessage{Kind: kind}
	if payload != nil {
		b, err := proto.Marshal(payload)
		if err != nil {
			return nil, err
		}
		env.Payload = b
	}
	return proto.Marshal(env)
}

func writeFrame(ctx context.Context, ws *websocket.Conn, kind cp.GatewayMessageType, payload proto.Message) error {
	b, err := encodeFrame(kind, payload)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return ws.Write(wctx, websocket.MessageBinary, b)
}

// send writes one frame (safe for concurrent use).
func (c *conn) send(kind cp.GatewayMessageType, payload proto.Message) error {
	return writeFrame(context.Background(), c.ws, kind, payload)
}

// close ends the connection with a close frame; its goroutines stop.
func (c *conn) close(code websocket.StatusCode, reason string) {
	_ = c.ws.Close(code, reason)
	c.stop()
}

// read is the reader goroutine.
func (c *conn) read(ctx context.Context) {
	defer c.stop()
	for {
		typ, b, err := c.ws.Read(ctx)
		if err != nil {
			c.fail(err)
			_ = c.ws.CloseNow()
			return
		}
		c.unanswered.Store(0)
		if typ != websocket.MessageBinary {
			c.w.logger.Warn("inngest: connect: ignoring a text frame from the gateway", "connection_id", c.id, "bytes", len(b))
			continue
		}
		kind, m, err := decodeFrame(b)
		switch {
		case errors.Is(err, ErrUnknownKind):
			c.w.logger.Warn("inngest: connect: ignoring a gateway message of unknown kind", "connection_id", c.id, "error", err)
			continue
		case err != nil:
			// The protocol's answer to a payload that does not decode, as the
			// gateway gives it: close with a policy violation, then reconnect.
			c.w.logger.Error("inngest: connect: gateway sent a message that does not decode; replacing the connection", "connection_id", c.id, "error", err)
			c.fail(err)
			_ = c.ws.Close(websocket.StatusPolicyViolation, "invalid payload")
			return
		}
		c.handle(kind, m)
	}
}

func (c *conn) handle(kind cp.GatewayMessageType, m proto.Message) {
	switch kind {
	case cpGatewayHB:
	case cpRequest:
		c.w.accept(c, m.(*cp.GatewayExecutorRequestData))
	case cpReplyAck:
		c.w.replyAcked(m.(*cp.WorkerReplyAckData).RequestId)
	case cpExtendAck:
		c.w.leaseAnswered(m.(*cp.WorkerRequestExtendLeaseAckData))
	case cpClosing:
		c.drainMu.Do(func() { close(c.draining) })
	case cpSyncFail:
		se := m.(*cp.SystemError)
		c.w.logger.Error("inngest: connect: gateway reports the app could not be synced", "connection_id", c.id, "code", se.Code, "message", se.Message)
	default:
		c.w.logger.Warn("inngest: connect: ignoring an unexpected gateway message", "connection_id", c.id, "kind", kind.String())
	}
}

// tick is the timer goroutine: heartbeats (and the missed-heartbeat check) and
// status reports.
func (c *conn) tick(ctx context.Context) {
	hb := time.NewTicker(c.heartbeat)
	defer hb.Stop()
	var statusC <-chan time.Time
	if c.status > 0 {
		st := time.NewTicker(c.status)
		defer st.Stop()
		statusC = st.C
	}
	limit := int32(c.w.opts.MaxMissedHeartbeats)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hb.C:
			if n := c.unanswered.Load(); n >= limit {
				c.w.logger.Warn("inngest: connect: gateway heartbeats missed; replacing the connection", "connection_id", c.id, "unanswered", n)
				c.fail(fmt.Errorf("%d heartbeats in a row got no answer", n))
				c.close(websocket.StatusNormalClosure, cp.WorkerDisconnectReason_CONSECUTIVE_HEARTBEATS_MISSED.String())
				return
			}
			c.unanswered.Add(1)
			if err := c.send(cpHeartbeat, nil); err != nil {
				c.fail(err)
				c.close(websocket.StatusInternalError, "write failed")
				return
			}
		case <-statusC:
			_ = c.send(cpStatus, &cp.WorkerStatusData{InFlightRequestIds: c.w.inflightIDs()})
		}
	}
}
