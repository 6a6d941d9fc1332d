package connectgw

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
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

const testKey = "signkey-test-8a4d5e2f1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"

// TestStart: /v0/connect/start answers with a connection ID, the gateway's
// WebSocket URL, a session token the gateway accepts and the key sent as
// sync token; with a signing key it wants that key, as the server does.
func TestStart(t *testing.T) {
	t.Parallel()
	hashed := wire.HashSigningKey(testKey)
	tests := []struct {
		name   string
		key    string // engine signing key
		auth   string
		body   []byte
		status int
		errMsg string
	}{
		{name: "dev server takes no key", status: 200},
		{name: "dev server takes any key", auth: "whatever", status: 200},
		{name: "hashed key", key: testKey, auth: hashed, status: 200},
		{name: "plain key", key: testKey, auth: testKey, status: 200},
		{name: "missing key", key: testKey, status: 401, errMsg: "missing Authorization header"},
		{name: "wrong key", key: testKey, auth: wire.HashSigningKey(testKey + "x"), status: 401, errMsg: "authentication failed"},
		{name: "start request with exclusions", body: mustProto(t, &connectproto.StartRequest{ExcludeGateways: []string{"gw-1"}}), status: 200},
		{name: "body not protobuf", body: []byte{0xff, 0xff, 0xff}, status: 400, errMsg: "could not unmarshal request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{SigningKey: tt.key}, Options{})
			status, b := e.post(connectproto.StartPath, tt.auth, tt.body)
			require.Equal(t, tt.status, status, string(b))
			if tt.errMsg != "" {
				var out map[string]any
				require.NoError(t, json.Unmarshal(b, &out))
				require.Equal(t, tt.errMsg, out["error"])
				require.EqualValues(t, tt.status, out["status"])
				return
			}
			var sr connectproto.StartResponse
			require.NoError(t, proto.Unmarshal(b, &sr))
			_, err := wire.ULIDTime(sr.ConnectionId)
			require.NoError(t, err)
			u, _ := url.Parse(e.srv.URL)
			require.Equal(t, "ws://"+u.Host+"/v0/connect", sr.GatewayEndpoint)
			require.Equal(t, tt.auth, sr.SyncToken)
			require.NoError(t, verifyToken(e.gw.secret, sr.SessionToken, time.Now()))
			require.Error(t, verifyToken(e.gw.secret, sr.SessionToken, time.Now().Add(tokenExpiry)))
			require.Error(t, verifyToken([]byte("other"), sr.SessionToken, time.Now()))
		})
	}
}

func mustProto(t *testing.T, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return b
}

// TestRunThroughGateway: a function with a step runs through a raw worker:
// hello, connect (the app syncs), ready with the server's intervals, two
// executor requests (discovery planning the step, then the step) acked and
// replied, each reply acked, and the run completes with the worker's output.
func TestRunThroughGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	c := e.dial("")
	rd := c.connect(c.connectData(fnConfig("fn")))
	require.Equal(t, "10s", rd.HeartbeatInterval)
	require.Equal(t, "30s", rd.ExtendLeaseInterval)
	require.Equal(t, "0s", rd.StatusInterval)
	apps := must(e.eng.Apps())
	require.Len(t, apps, 1)
	require.Equal(t, "capp", apps[0].Name)
	require.Eventually(t, func() bool { return len(e.gw.Connections()) == 1 && e.gw.Connections()[0].Status == "READY" }, testBound, 5*time.Millisecond)

	runID := e.sendEvent("test/fn")
	d := c.request()
	require.Equal(t, "capp", d.AppName)
	require.Equal(t, "ws://connect?app_name=capp", apps[0].URL)
	require.Equal(t, e.gw.Connections()[0].ID, c.sr.ConnectionId)
	require.NotEmpty(t, d.AppId)
	require.Equal(t, "capp-fn", d.FunctionSlug)
	require.Equal(t, "step", d.GetStepId())
	require.Equal(t, runID, d.RunId)
	require.Equal(t, devAccountID, d.AccountId)
	require.Equal(t, devEnvID, d.EnvId)
	_, err := wire.ULIDTime(d.LeaseId)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(d.RequestPayload, &body))
	require.Equal(t, runID, body["ctx"].(map[string]any)["run_id"])
	c.ack(d)
	require.Eventually(t, func() bool { return e.gw.Connections()[0].InFlight == 1 }, testBound, 5*time.Millisecond)
	c.reply(d, connectproto.SDKResponseStatus_NOT_COMPLETED, stepOp("a"))

	d2 := c.request()
	require.Equal(t, runID, d2.RunId)
	require.NotEqual(t, d.RequestId, d2.RequestId)
	c.ack(d2)
	c.reply(d2, connectproto.SDKResponseStatus_DONE, `{"ok":true}`)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `{"ok":true}`, string(run.Output))
}

// TestErrorReply: an ERROR reply is a failed attempt the engine retries; one
// marked no_retry fails the run at once.
func TestErrorReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	runID := e.sendEvent("test/fn")
	d := c.request()
	c.ack(d)
	c.reply(d, connectproto.SDKResponseStatus_ERROR, `{"name":"Error","message":"boom"}`)
	d = c.request() // the retry
	c.ack(d)
	r := sdkResponse(d, connectproto.SDKResponseStatus_ERROR, `{"name":"Error","message":"final"}`)
	r.NoRetry = true
	c.send(connectproto.GatewayMessageType_WORKER_REPLY, r)
	c.readKind(connectproto.GatewayMessageType_WORKER_REPLY_ACK)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusFailed, run.Status)
	require.Equal(t, "final", run.Error.Message)
	require.Equal(t, 2, run.Attempts)
}

// TestHandshakeErrors: a bad first message closes the socket with the
// server's status and code; a function config the engine rejects is
// answered with SYNC_FAILED first.
func TestHandshakeErrors(t *testing.T) {
	t.Parallel()
	type tc struct {
		name       string
		key        string
		msg        func(c *client) []byte // nil: send nothing
		status     websocket.StatusCode
		code       string
		syncFailed bool
	}
	connectMsg := func(mod func(d *connectproto.WorkerConnectRequestData)) func(c *client) []byte {
		return func(c *client) []byte {
			d := c.connectData(fnConfig("fn"))
			mod(d)
			return mustProto(t, &connectproto.ConnectMessage{Kind: connectproto.GatewayMessageType_WORKER_CONNECT, Payload: mustProto(t, d)})
		}
	}
	tests := []tc{
		{name: "not protobuf", msg: func(*client) []byte { return []byte{0xff, 0xff, 0xff, 0xff} }, status: websocket.StatusInvalidFramePayloadData, code: "failed to unmarshal Protobuf"},
		{name: "wrong first kind", msg: func(*client) []byte {
			return mustProto(t, &connectproto.ConnectMessage{Kind: connectproto.GatewayMessageType_WORKER_HEARTBEAT})
		}, status: websocket.StatusPolicyViolation, code: codeHelloInvalidMsg},
		{name: "payload not protobuf", msg: func(*client) []byte {
			return mustProto(t, &connectproto.ConnectMessage{Kind: connectproto.GatewayMessageType_WORKER_CONNECT, Payload: []byte{0x0a, 0xff}})
		}, status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload},
		{name: "connection id not a ULID", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.ConnectionId = "abc" }), status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload},
		{name: "no instance id", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.InstanceId = "" }), status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload},
		{name: "no apps", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.Apps = nil }), status: websocket.StatusPolicyViolation, code: codeHelloInvalidPayload},
		{name: "bad session token", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.AuthData.SessionToken += "x" }), status: websocket.StatusPolicyViolation, code: codeAuthFailed},
		{name: "no session token", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.AuthData = nil }), status: websocket.StatusPolicyViolation, code: codeAuthFailed},
		{name: "wrong sync token", key: testKey, msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.AuthData.SyncToken = "nope" }), status: websocket.StatusPolicyViolation, code: codeAuthFailed, syncFailed: true},
		{name: "too many apps", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) {
			for range 10 {
				d.Apps = append(d.Apps, d.Apps[0])
			}
		}), status: websocket.StatusPolicyViolation, code: codeTooManyApps},
		{name: "functions not JSON", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.Apps[0].Functions = []byte("{") }), status: websocket.StatusPolicyViolation, code: codeInvalidFnConfig, syncFailed: true},
		{name: "function the engine rejects", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) {
			d.Apps[0].Functions = []byte(`[{"id":"capp-x","name":"x","triggers":[{"cron":"nope nope"}],"steps":{"step":{"id":"step","name":"x","runtime":{"url":"ws://connect?fnId=capp-x"}}}}]`)
		}), status: websocket.StatusPolicyViolation, code: codeInvalidFnConfig, syncFailed: true},
		{name: "capabilities not JSON", msg: connectMsg(func(d *connectproto.WorkerConnectRequestData) { d.Capabilities = []byte("nope") }), status: websocket.StatusInternalError, code: codeInternal},
		{name: "no connect message in time", status: websocket.StatusPolicyViolation, code: codeHelloTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{SigningKey: tt.key}, Options{HandshakeTimeout: 200 * time.Millisecond})
			auth := ""
			if tt.key != "" {
				auth = wire.HashSigningKey(tt.key)
			}
			c := e.dial(auth)
			if tt.msg != nil {
				c.sendRaw(tt.msg(c))
			}
			if tt.syncFailed {
				m := c.read()
				require.Equal(t, connectproto.GatewayMessageType_SYNC_FAILED, m.Kind)
				var se connectproto.SystemError
				require.NoError(t, proto.Unmarshal(m.Payload, &se))
				require.Equal(t, tt.code, se.Code)
				require.NotEmpty(t, se.Message)
			}
			ce := c.readClose()
			require.Equal(t, tt.status, ce.Code, ce.Reason)
			require.Equal(t, tt.code, ce.Reason)
			require.Empty(t, e.gw.Connections())
		})
	}
}

// TestBadMessagesAfterReady: after the handshake, an undecodable message
// closes with 1007, a bad ack or lease payload with the server's policy
// codes, an oversized message with 1009; an unknown kind is ignored (the
// connection still answers heartbeats).
func TestBadMessagesAfterReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		msg    []byte
		status websocket.StatusCode
		code   string
	}{
		{name: "not protobuf", msg: []byte{0xff, 0xff}, status: websocket.StatusInvalidFramePayloadData, code: "failed to unmarshal Protobuf"},
		{name: "ack payload", msg: envelope(connectproto.GatewayMessageType_WORKER_REQUEST_ACK, []byte{0x0a, 0xff}), status: websocket.StatusPolicyViolation, code: codeAckInvalidPayload},
		{name: "lease payload", msg: envelope(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, []byte{0x0a, 0xff}), status: websocket.StatusPolicyViolation, code: codeLeaseInvalidPayload},
		{name: "lease id not a ULID", msg: envelope(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE,
			mustProtoT(&connectproto.WorkerRequestExtendLeaseData{RequestId: "r", LeaseId: "nope"})), status: websocket.StatusPolicyViolation, code: codeLeaseInvalidPayload},
		{name: "reply payload", msg: envelope(connectproto.GatewayMessageType_WORKER_REPLY, []byte{0x0a, 0xff}), status: websocket.StatusInternalError, code: codeInternal},
		{name: "oversized", msg: make([]byte, 70<<10), status: websocket.StatusMessageTooBig, code: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{}, Options{MaxMessageBytes: 64 << 10})
			c := e.dial("")
			c.connect(c.connectData(fnConfig("fn")))
			if tt.status == websocket.StatusMessageTooBig {
				// The gateway closes as soon as the frame header says the
				// message is too big, so the rest of the write may meet a
				// reset connection; only the close it read matters.
				ctx, cancel := context.WithTimeout(context.Background(), testBound)
				_ = c.ws.Write(ctx, websocket.MessageBinary, tt.msg)
				cancel()
			} else {
				c.sendRaw(tt.msg)
			}
			ce := c.readClose()
			require.Equal(t, tt.status, ce.Code, ce.Reason)
			if tt.code != "" {
				require.Equal(t, tt.code, ce.Reason)
			}
			require.Eventually(t, func() bool { return len(e.gw.Connections()) == 0 }, testBound, 5*time.Millisecond)
		})
	}
	t.Run("unknown kind ignored", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, engine.Options{}, Options{})
		c := e.dial("")
		c.connect(c.connectData(fnConfig("fn")))
		c.sendRaw(envelope(connectproto.GatewayMessageType(99), []byte("x")))
		c.send(connectproto.GatewayMessageType_GATEWAY_HELLO, nil)
		c.send(connectproto.GatewayMessageType_WORKER_STATUS, nil)
		c.sendRaw(envelope(connectproto.GatewayMessageType_WORKER_STATUS, []byte{0x0a, 0xff}))
		c.send(connectproto.GatewayMessageType_WORKER_HEARTBEAT, nil)
		require.Equal(t, connectproto.GatewayMessageType_GATEWAY_HEARTBEAT, c.read().Kind)
		require.Len(t, e.gw.Connections(), 1)
	})
}

func envelope(kind connectproto.GatewayMessageType, payload []byte) []byte {
	return mustProtoT(&connectproto.ConnectMessage{Kind: kind, Payload: payload})
}

func mustProtoT(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// TestHeartbeats: a worker heartbeat is answered with GATEWAY_HEARTBEAT; a
// worker that stops heartbeating is dropped after MissedHeartbeats
// intervals.
func TestHeartbeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{HeartbeatInterval: 100 * time.Millisecond, MissedHeartbeats: 5})
	c := e.dial("")
	rd := c.connect(c.connectData(fnConfig("fn")))
	require.Equal(t, "100ms", rd.HeartbeatInterval)
	for range 12 { // 1.2 s (2.4 allowed silences) of heartbeats keep it open
		c.send(connectproto.GatewayMessageType_WORKER_HEARTBEAT, nil)
		require.Equal(t, connectproto.GatewayMessageType_GATEWAY_HEARTBEAT, c.read().Kind)
		time.Sleep(100 * time.Millisecond)
	}
	require.Len(t, e.gw.Connections(), 1)
	require.WithinDuration(t, time.Now(), e.gw.Connections()[0].LastHeartbeat, time.Second)
	ce := c.readClose() // then silence: dropped without a close frame, as the server does
	require.Equal(t, websocket.StatusCode(-1), ce.Code)
	require.Empty(t, e.gw.Connections())
}

// TestManualReadiness: a worker asking for manual readiness gets no request
// before WORKER_READY.
func TestManualReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	c := e.dial("")
	d := c.connectData(fnConfig("fn"))
	d.WorkerManualReadinessAck = true
	c.connect(d)
	require.Equal(t, "CONNECTED", e.gw.Connections()[0].Status)
	runID := e.sendEvent("test/fn")
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 0, e.gw.Connections()[0].InFlight)
	c.send(connectproto.GatewayMessageType_WORKER_READY, nil)
	r := c.request()
	require.Equal(t, runID, r.RunId)
	c.ack(r)
	c.reply(r, connectproto.SDKResponseStatus_DONE, `1`)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(runID).Status)
}

// TestNoConnection: with no worker connected, a call fails after
// RouteTimeout and the engine retries it; a worker connecting meanwhile
// gets the retry.
func TestNoConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{RouteTimeout: 50 * time.Millisecond})
	_, err := e.eng.SyncConfig(t.Context(), mustJSON(t, map[string]any{"v": "1", "url": "ws://connect?app_name=capp", "deployType": "connect",
		"sdk": "go:v0.1.0", "appName": "capp", "functions": []any{fnConfig("fn")}}))
	require.NoError(t, err)
	runID := e.sendEvent("test/fn")
	require.Eventually(t, func() bool {
		run, _ := e.eng.Run(runID)
		return run.Attempts >= 2
	}, testBound, 5*time.Millisecond)
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	r := c.request()
	c.ack(r)
	c.reply(r, connectproto.SDKResponseStatus_DONE, `"late"`)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Contains(t, historyText(run), "could not find a healthy connection")
}

func historyText(r runtype.Run) string {
	b, _ := json.Marshal(r.History)
	return string(b)
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

var _ = http.StatusOK
