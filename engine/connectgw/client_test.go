package connectgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// testBound bounds every wait of these tests; it only matters when a test fails.
const testBound = 20 * time.Second

// env is an engine with a gateway, served like cmd/devserver serves them.
type env struct {
	t   testing.TB
	eng *engine.Engine
	gw  *Gateway
	srv *httptest.Server
}

func newEnv(t testing.TB, eo engine.Options, o Options) *env {
	t.Helper()
	if eo.RetryBackoff == nil {
		eo.RetryBackoff = func(int) time.Duration { return 10 * time.Millisecond }
	}
	eng, err := engine.New(eo)
	require.NoError(t, err)
	if o.Logger == nil && !testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	gw := New(eng, o)
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", gw.Handler())
	mux.Handle("/v0/connect/", gw.Handler())
	mux.Handle("/", eng.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		require.NoError(t, gw.Close())
		srv.Close()
		require.NoError(t, eng.Close())
	})
	return &env{t: t, eng: eng, gw: gw, srv: srv}
}

// post sends a worker REST request and returns the status and body.
func (e *env) post(path, auth string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	require.NoError(e.t, err)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// start calls /v0/connect/start and decodes the answer.
func (e *env) start(auth string) *connectproto.StartResponse {
	e.t.Helper()
	status, b := e.post(connectproto.StartPath, auth, nil)
	require.Equal(e.t, http.StatusOK, status, string(b))
	var sr connectproto.StartResponse
	require.NoError(e.t, proto.Unmarshal(b, &sr))
	return &sr
}

// client is a raw test worker: it speaks the protocol message by message.
type client struct {
	t  testing.TB
	ws *websocket.Conn
	sr *connectproto.StartResponse
}

// dial starts a session and opens its WebSocket, reading GATEWAY_HELLO.
func (e *env) dial(auth string) *client {
	e.t.Helper()
	sr := e.start(auth)
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, sr.GatewayEndpoint, &websocket.DialOptions{Subprotocols: []string{connectproto.Subprotocol}})
	require.NoError(e.t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	require.Equal(e.t, connectproto.Subprotocol, ws.Subprotocol())
	ws.SetReadLimit(16 << 20)
	c := &client{t: e.t, ws: ws, sr: sr}
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	m := c.read()
	require.Equal(e.t, connectproto.GatewayMessageType_GATEWAY_HELLO, m.Kind)
	return c
}

// send writes one message.
func (c *client) send(kind connectproto.GatewayMessageType, payload proto.Message) {
	c.t.Helper()
	var p []byte
	if payload != nil {
		var err error
		p, err = proto.Marshal(payload)
		require.NoError(c.t, err)
	}
	b, err := proto.Marshal(&connectproto.ConnectMessage{Kind: kind, Payload: p})
	require.NoError(c.t, err)
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	require.NoError(c.t, c.ws.Write(ctx, websocket.MessageBinary, b))
}

// readFrame reads one message or the close error.
func (c *client) readFrame() (*connectproto.ConnectMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m connectproto.ConnectMessage
	require.NoError(c.t, proto.Unmarshal(b, &m))
	return &m, nil
}

func (c *client) read() *connectproto.ConnectMessage {
	c.t.Helper()
	m, err := c.readFrame()
	require.NoError(c.t, err)
	return m
}

// readKind reads messages until one of kind, skipping heartbeats.
func (c *client) readKind(kind connectproto.GatewayMessageType) *connectproto.ConnectMessage {
	c.t.Helper()
	for {
		m := c.read()
		if m.Kind == kind {
			return m
		}
		require.Equal(c.t, connectproto.GatewayMessageType_GATEWAY_HEARTBEAT, m.Kind, "waiting for %s", kind)
	}
}

// readClose reads until the connection closes and returns its close
// error (Code -1 when it closed without a close frame).
func (c *client) readClose() websocket.CloseError {
	c.t.Helper()
	for {
		_, err := c.readFrame()
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce
			}
			return websocket.CloseError{Code: -1, Reason: err.Error()}
		}
	}
}

// fnConfig is one function of app "capp" as a Connect worker declares it.
func fnConfig(slug string) map[string]any {
	id := "capp-" + slug
	return map[string]any{"id": id, "name": slug, "triggers": []any{map[string]any{"event": "test/" + slug}},
		"steps": map[string]any{"step": map[string]any{"id": "step", "name": slug,
			"runtime": map[string]any{"url": "ws://connect?fnId=" + id + "&step=step"}}}}
}

// connectData is a WORKER_CONNECT for app "capp" with the given functions.
func (c *client) connectData(fns ...map[string]any) *connectproto.WorkerConnectRequestData {
	b, err := json.Marshal(fns)
	require.NoError(c.t, err)
	return &connectproto.WorkerConnectRequestData{
		ConnectionId: c.sr.ConnectionId, InstanceId: "test-instance",
		AuthData:     &connectproto.AuthData{SessionToken: c.sr.SessionToken, SyncToken: c.sr.SyncToken},
		Capabilities: []byte(`{"trust_probe":"v1","connect":"v1"}`),
		Apps:         []*connectproto.AppConfiguration{{AppName: "capp", Functions: b}},
		SdkLanguage:  "go", SdkVersion: "v0.1.0", Framework: "connect",
	}
}

// connect completes the handshake and returns GATEWAY_CONNECTION_READY.
func (c *client) connect(data *connectproto.WorkerConnectRequestData) *connectproto.GatewayConnectionReadyData {
	c.t.Helper()
	c.send(connectproto.GatewayMessageType_WORKER_CONNECT, data)
	m := c.read()
	require.Equal(c.t, connectproto.GatewayMessageType_GATEWAY_CONNECTION_READY, m.Kind)
	var rd connectproto.GatewayConnectionReadyData
	require.NoError(c.t, proto.Unmarshal(m.Payload, &rd))
	return &rd
}

// request reads the next GATEWAY_EXECUTOR_REQUEST.
func (c *client) request() *connectproto.GatewayExecutorRequestData {
	c.t.Helper()
	m := c.readKind(connectproto.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST)
	var d connectproto.GatewayExecutorRequestData
	require.NoError(c.t, proto.Unmarshal(m.Payload, &d))
	return &d
}

func (c *client) ack(d *connectproto.GatewayExecutorRequestData) {
	c.send(connectproto.GatewayMessageType_WORKER_REQUEST_ACK, &connectproto.WorkerRequestAckData{
		RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId, FunctionSlug: d.FunctionSlug, StepId: d.StepId, RunId: d.RunId,
	})
}

// sdkResponse is a worker's reply to d.
func sdkResponse(d *connectproto.GatewayExecutorRequestData, status connectproto.SDKResponseStatus, body string) *connectproto.SDKResponse {
	return &connectproto.SDKResponse{RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId,
		Status: status, Body: []byte(body), SdkVersion: "go:v0.1.0", RequestVersion: 2,
		SystemTraceCtx: d.SystemTraceCtx, UserTraceCtx: d.UserTraceCtx, RunId: d.RunId}
}

// reply sends WORKER_REPLY and reads its WORKER_REPLY_ACK.
func (c *client) reply(d *connectproto.GatewayExecutorRequestData, status connectproto.SDKResponseStatus, body string) {
	c.t.Helper()
	c.send(connectproto.GatewayMessageType_WORKER_REPLY, sdkResponse(d, status, body))
	m := c.readKind(connectproto.GatewayMessageType_WORKER_REPLY_ACK)
	var a connectproto.WorkerReplyAckData
	require.NoError(c.t, proto.Unmarshal(m.Payload, &a))
	require.Equal(c.t, d.RequestId, a.RequestId)
}

// extend sends WORKER_REQUEST_EXTEND_LEASE and returns the ack's new lease ID.
func (c *client) extend(d *connectproto.GatewayExecutorRequestData, leaseID string) *string {
	c.t.Helper()
	c.send(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, &connectproto.WorkerRequestExtendLeaseData{
		RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId, FunctionSlug: d.FunctionSlug, RunId: d.RunId, LeaseId: leaseID,
	})
	m := c.readKind(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK)
	var a connectproto.WorkerRequestExtendLeaseAckData
	require.NoError(c.t, proto.Unmarshal(m.Payload, &a))
	require.Equal(c.t, d.RequestId, a.RequestId)
	return a.NewLeaseId
}

// sendEvent sends an event and returns the run it started.
func (e *env) sendEvent(name string) string {
	e.t.Helper()
	ids, err := e.eng.SendJSON(context.Background(), []byte(`{"name":"`+name+`","data":{"n":1}}`))
	require.NoError(e.t, err)
	var runID string
	require.Eventually(e.t, func() bool {
		if runs := must(e.eng.RunsForEvent(ids[0])); len(runs) > 0 {
			runID = runs[0].ID
		}
		return runID != ""
	}, testBound, time.Millisecond)
	return runID
}

func (e *env) waitRun(id string) runtype.Run {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testBound)
	defer cancel()
	run, err := e.eng.WaitForRun(ctx, id)
	require.NoError(e.t, err)
	return run
}

// stepOp is a 206 body planning/running step "a".
func stepOp(name string) string {
	return `[{"op":"StepRun","id":"` + wire.HashID(name, 0) + `","name":"` + name + `","data":1}]`
}
