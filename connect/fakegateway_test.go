package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// frame is one decoded WebSocket message.
type frame struct {
	kind    cp.GatewayMessageType
	payload proto.Message
}

// gwConn is the fake gateway's side of one worker connection.
type gwConn struct {
	ws      *websocket.Conn
	n       int // 1 for the first connection
	connect *cp.WorkerConnectRequestData
	in      chan frame // frames from the worker
	done    chan struct{}
	closeMu sync.Mutex
	closeSt websocket.StatusCode
	closeRs string
}

func (c *gwConn) send(t testing.TB, kind cp.GatewayMessageType, m proto.Message) {
	t.Helper()
	env := &cp.ConnectMessage{Kind: kind}
	if m != nil {
		b, err := proto.Marshal(m)
		require.NoError(t, err)
		env.Payload = b
	}
	b, err := proto.Marshal(env)
	require.NoError(t, err)
	c.sendRaw(t, b)
}

func (c *gwConn) sendRaw(t testing.TB, b []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.ws.Write(ctx, websocket.MessageBinary, b))
}

// expect returns the next frame of kind from the worker, skipping heartbeats,
// status reports and lease extensions unless asked for.
func (c *gwConn) expect(t testing.TB, kind cp.GatewayMessageType) proto.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.in:
			require.True(t, ok, "connection %d ended waiting for %s", c.n, kind)
			if f.kind == kind {
				return f.payload
			}
			switch f.kind {
			case cp.GatewayMessageType_WORKER_HEARTBEAT, cp.GatewayMessageType_WORKER_STATUS, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, cp.GatewayMessageType_WORKER_REQUEST_ACK:
				continue
			}
			require.Failf(t, "unexpected frame", "got %s waiting for %s", f.kind, kind)
		case <-timeout:
			require.Failf(t, "timeout", "waiting for %s on connection %d", kind, c.n)
		}
	}
}

func (c *gwConn) closed() (websocket.StatusCode, string) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closeSt, c.closeRs
}

// fakeGateway is the REST API and the WebSocket gateway in one httptest server.
// The handshake answers come from the recording of the real gateway.
type fakeGateway struct {
	t   testing.TB
	srv *httptest.Server
	rec *recording

	// ready is the GATEWAY_CONNECTION_READY payload sent; the recorded one by default.
	ready *cp.GatewayConnectionReadyData
	// answerHeartbeats makes the gateway answer WORKER_HEARTBEAT.
	answerHeartbeats bool

	mu      sync.Mutex
	starts  []*cp.StartRequest
	flushes []*cp.SDKResponse
	conns   chan *gwConn
	count   int
}

func newFakeGateway(t testing.TB) *fakeGateway {
	g := &fakeGateway{t: t, rec: loadRecording(t, "request"), conns: make(chan *gwConn, 16), answerHeartbeats: true}
	g.ready = g.rec.gatewayPayload(t, cp.GatewayMessageType_GATEWAY_CONNECTION_READY).(*cp.GatewayConnectionReadyData)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v0/connect/start", g.start)
	mux.HandleFunc("POST /v0/connect/flush", g.flush)
	mux.HandleFunc("GET /v0/connect", g.upgrade)
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) start(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var req cp.StartRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, "bad start request", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.starts = append(g.starts, &req)
	n := len(g.starts)
	g.mu.Unlock()
	out, _ := proto.Marshal(&cp.StartResponse{
		ConnectionId:    fmt.Sprintf("01M984GK93712ST4620GCKTS%02d", n),
		GatewayEndpoint: "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/v0/connect",
		GatewayGroup:    fmt.Sprintf("gw-%d", n),
		SessionToken:    "session", SyncToken: "sync",
	})
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(out)
}

func (g *fakeGateway) flush(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var resp cp.SDKResponse
	if err := proto.Unmarshal(b, &resp); err != nil || len(resp.SystemTraceCtx) == 0 {
		http.Error(w, `{"error":"could not unmarshal system trace ctx"}`, http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.flushes = append(g.flushes, &resp)
	g.mu.Unlock()
	out, _ := proto.Marshal(&cp.FlushResponse{RequestId: resp.RequestId})
	_, _ = w.Write(out)
}

func (g *fakeGateway) flushed() []*cp.SDKResponse {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*cp.SDKResponse(nil), g.flushes...)
}

func (g *fakeGateway) startRequests() []*cp.StartRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*cp.StartRequest(nil), g.starts...)
}

func (g *fakeGateway) upgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{cp.Subprotocol}})
	if err != nil {
		return
	}
	ws.SetReadLimit(64 << 20)
	g.mu.Lock()
	g.count++
	c := &gwConn{ws: ws, n: g.count, in: make(chan frame, 256), done: make(chan struct{})}
	g.mu.Unlock()
	ctx := r.Context()
	defer close(c.done)
	defer close(c.in)
	write := func(kind cp.GatewayMessageType, m proto.Message) error {
		env := &cp.ConnectMessage{Kind: kind}
		if m != nil {
			env.Payload, _ = proto.Marshal(m)
		}
		b, _ := proto.Marshal(env)
		return ws.Write(ctx, websocket.MessageBinary, b)
	}
	if write(cp.GatewayMessageType_GATEWAY_HELLO, nil) != nil {
		return
	}
	f, err := readWorkerFrame(ctx, ws)
	if err != nil || f.kind != cp.GatewayMessageType_WORKER_CONNECT {
		_ = ws.Close(websocket.StatusPolicyViolation, "connect_worker_hello_invalid_msg")
		return
	}
	c.connect = f.payload.(*cp.WorkerConnectRequestData)
	if write(cp.GatewayMessageType_GATEWAY_CONNECTION_READY, g.ready) != nil {
		return
	}
	g.conns <- c
	for {
		f, err := readWorkerFrame(ctx, ws)
		if err != nil {
			c.closeMu.Lock()
			c.closeSt, c.closeRs = websocket.CloseStatus(err), closeReason(err)
			c.closeMu.Unlock()
			return
		}
		if f.kind == cp.GatewayMessageType_WORKER_HEARTBEAT && g.answerHeartbeats {
			_ = write(cp.GatewayMessageType_GATEWAY_HEARTBEAT, nil)
		}
		select {
		case c.in <- f:
		default:
		}
	}
}

// next returns the next connection a worker opened (after the handshake).
func (g *fakeGateway) next(t testing.TB) *gwConn {
	t.Helper()
	select {
	case c := <-g.conns:
		return c
	case <-time.After(10 * time.Second):
		require.FailNow(t, "no worker connection")
		return nil
	}
}

func readWorkerFrame(ctx context.Context, ws *websocket.Conn) (frame, error) {
	_, b, err := ws.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	var env cp.ConnectMessage
	if err := proto.Unmarshal(b, &env); err != nil {
		return frame{}, err
	}
	m := cp.NewPayload(env.Kind)
	if m != nil {
		if err := proto.Unmarshal(env.Payload, m); err != nil {
			return frame{}, err
		}
	}
	return frame{kind: env.Kind, payload: m}, nil
}

func closeReason(err error) string {
	var ce websocket.CloseError
	if ok := asCloseError(err, &ce); ok {
		return ce.Reason
	}
	return ""
}

// recording is a file of testdata/connect (see its README).
type recording struct {
	Frames []struct {
		From    string          `json:"from"`
		Kind    string          `json:"kind"`
		Payload json.RawMessage `json:"payload"`
	} `json:"frames"`
}

func loadRecording(t testing.TB, name string) *recording {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "connect", name+".json"))
	require.NoError(t, err)
	var r recording
	require.NoError(t, json.Unmarshal(b, &r))
	return &r
}

// payload decodes the first recorded frame of kind sent by from.
func (r *recording) payload(t testing.TB, from string, kind cp.GatewayMessageType) proto.Message {
	t.Helper()
	for _, f := range r.Frames {
		if f.From == from && f.Kind == kind.String() {
			m := cp.NewPayload(kind)
			require.NoError(t, protojson.Unmarshal(f.Payload, m))
			return m
		}
	}
	require.FailNow(t, "not recorded", "%s %s", from, kind)
	return nil
}

func (r *recording) gatewayPayload(t testing.TB, kind cp.GatewayMessageType) proto.Message {
	return r.payload(t, "gateway", kind)
}

func (r *recording) workerPayload(t testing.TB, kind cp.GatewayMessageType) proto.Message {
	return r.payload(t, "worker", kind)
}
