package connect_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/step"
)

type recData struct {
	At int64 `json:"at"`
}

// helloFn is the recorded app's function: connect-rec-hello returns "hello".
func helloFn(t testing.TB, c *inngest.Client) inngest.ServableFunction {
	t.Helper()
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "hello"},
		inngest.OnEvent(events.Define[recData]("connect-rec/hello", events.AllowAnyName())),
		func(ctx context.Context, in inngest.Input[recData]) (string, error) { return "hello", nil })
	require.NoError(t, err)
	return fn
}

// recordedRequest is the executor request the real gateway sent, with a new
// request id when id is set.
func recordedRequest(t testing.TB, g *fakeGateway, id string) *cp.GatewayExecutorRequestData {
	t.Helper()
	req := proto.Clone(g.rec.gatewayPayload(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST)).(*cp.GatewayExecutorRequestData)
	if id != "" {
		req.RequestId = id
	}
	return req
}

// TestReplayRecordedRequest replays the real gateway's side of
// testdata/connect/request.json and checks the worker answers as the
// recording's hand-written worker did: same ack, a DONE reply with the
// function's output, then WORKER_PAUSE and a 1000 WORKER_SHUTDOWN close when
// the context ends.
func TestReplayRecordedRequest(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	logs := &syncBuffer{}
	c := recClient(t, g, logs)
	r := runWorker(t, c, connect.Options{InstanceID: "rec-request", MaxConcurrency: 4, AppVersion: "rec-1"}, helloFn(t, c))
	conn := g.next(t)

	hello := conn.connect
	recorded := g.rec.workerPayload(t, cp.GatewayMessageType_WORKER_CONNECT).(*cp.WorkerConnectRequestData)
	require.Equal(t, "01M984GK93712ST4620GCKTS01", hello.ConnectionId)
	require.Equal(t, "session", hello.AuthData.SessionToken)
	require.Equal(t, "sync", hello.AuthData.SyncToken)
	require.Equal(t, recorded.InstanceId, hello.InstanceId)
	require.Equal(t, recorded.MaxWorkerConcurrency, hello.MaxWorkerConcurrency)
	require.Equal(t, recorded.SdkLanguage, hello.SdkLanguage)
	require.JSONEq(t, string(recorded.Capabilities), string(hello.Capabilities))
	require.Len(t, hello.Apps, 1)
	require.Equal(t, "connect-rec", hello.Apps[0].AppName)
	require.Equal(t, "rec-1", hello.Apps[0].GetAppVersion())
	var fns []struct {
		ID    string `json:"id"`
		Steps map[string]struct {
			Runtime struct{ Type, URL string } `json:"runtime"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(hello.Apps[0].Functions, &fns))
	require.Len(t, fns, 1)
	require.Equal(t, "connect-rec-hello", fns[0].ID)
	require.Equal(t, "ws", fns[0].Steps["step"].Runtime.Type)
	require.Contains(t, fns[0].Steps["step"].Runtime.URL, "fnId=connect-rec-hello")
	require.Eventually(t, r.w.Ready, 5*time.Second, 5*time.Millisecond)

	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	ack := conn.expect(t, cp.GatewayMessageType_WORKER_REQUEST_ACK)
	require.True(t, proto.Equal(g.rec.workerPayload(t, cp.GatewayMessageType_WORKER_REQUEST_ACK), ack), "ack differs from the recorded one")
	reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	recReply := g.rec.workerPayload(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, recReply.Status, reply.Status)
	require.Equal(t, string(recReply.Body), string(reply.Body))
	require.Equal(t, req.RequestId, reply.RequestId)
	require.Equal(t, req.RunId, reply.RunId)
	require.Equal(t, req.SystemTraceCtx, reply.SystemTraceCtx)
	require.Equal(t, uint32(2), reply.RequestVersion)
	require.False(t, reply.NoRetry)
	conn.send(t, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: req.RequestId})

	require.NoError(t, r.stop(t))
	conn.expect(t, cp.GatewayMessageType_WORKER_PAUSE)
	<-conn.done
	code, reason := conn.closed()
	require.Equal(t, websocket.StatusNormalClosure, code)
	require.Equal(t, "WORKER_SHUTDOWN", reason)
	require.Empty(t, g.flushed(), "an acked reply is not flushed")
	require.False(t, r.w.Ready())
}

// TestLeaseExtendedWhileBusy: a step that runs far longer than the lease
// interval keeps its lease, each extension carrying the lease the previous
// answer handed out; once the gateway answers without a lease the worker stops
// extending it. (The lease interval is shortened from the gateway's 30 s.)
func TestLeaseExtendedWhileBusy(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	release := make(chan struct{})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "hello"},
		inngest.OnEvent(events.Define[recData]("connect-rec/hello", events.AllowAnyName())),
		func(ctx context.Context, in inngest.Input[recData]) (string, error) {
			return step.Run(ctx, "busy", func(ctx context.Context) (string, error) {
				<-release // a handler that takes "ten minutes" and ignores its context
				return "done", nil
			})
		})
	require.NoError(t, err)
	runWorker(t, c, connect.Options{ExtendLeaseInterval: 10 * time.Millisecond}, fn)
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)

	lease := req.LeaseId
	for i := 0; i < 5; i++ {
		f := conn.expectFrame(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE).(*cp.WorkerRequestExtendLeaseData)
		if f.LeaseId != lease {
			continue // an extension sent before our last answer arrived
		}
		require.Equal(t, req.RequestId, f.RequestId)
		require.Equal(t, req.FunctionSlug, f.FunctionSlug)
		lease = "lease-" + string(rune('a'+i))
		conn.send(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, &cp.WorkerRequestExtendLeaseAckData{RequestId: req.RequestId, NewLeaseId: proto.String(lease)})
	}
	// Lost lease: the gateway answers without a new one.
	conn.send(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, &cp.WorkerRequestExtendLeaseAckData{RequestId: req.RequestId})
	time.Sleep(300 * time.Millisecond) // extensions sent before the answer was read
	drain(conn)
	time.Sleep(200 * time.Millisecond)
	for _, f := range drain(conn) {
		require.NotEqual(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, f.kind, "extended a lost lease")
	}
	close(release)
	reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, cp.SDKResponseStatus_NOT_COMPLETED, reply.Status, "a step result is a 206")
	require.Contains(t, string(reply.Body), `"op":"StepRun"`)
	conn.send(t, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: req.RequestId})
}

// TestNoLeaseExtensionAfterReply: once the reply is written the worker stops
// extending the request's lease while it waits for WORKER_REPLY_ACK; the real
// server drops the lease when the reply arrives and answers a later extension
// without a new lease (seen on inngest dev while recording
// testdata/connect/worker/kinds.json before this fix: extensions after
// WORKER_REPLY, one answered "lease lost" and logged as a warning).
func TestNoLeaseExtensionAfterReply(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	logs := &syncBuffer{}
	c := recClient(t, g, logs)
	runWorker(t, c, connect.Options{ExtendLeaseInterval: 5 * time.Millisecond}, helloFn(t, c))
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	conn.expectFrame(t, cp.GatewayMessageType_WORKER_REPLY)
	time.Sleep(200 * time.Millisecond) // forty lease ticks without a reply ack
	for _, f := range drain(conn) {
		require.NotEqual(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, f.kind, "extended the lease of a request already answered")
	}
	// The server's answer to an extension that crossed the reply: no warning.
	conn.send(t, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, &cp.WorkerRequestExtendLeaseAckData{RequestId: req.RequestId})
	conn.send(t, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: req.RequestId})
	// A second request: its ack shows the worker read the frames before it.
	next := recordedRequest(t, g, "sync")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, next)
	require.Equal(t, "sync", conn.expectFrame(t, cp.GatewayMessageType_WORKER_REQUEST_ACK).(*cp.WorkerRequestAckData).RequestId)
	conn.expectFrame(t, cp.GatewayMessageType_WORKER_REPLY)
	conn.send(t, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: "sync"})
	require.NotContains(t, logs.String(), "lease lost")
	require.Empty(t, g.flushed())
}

// expectFrame is expect without skipping lease extensions.
func (c *gwConn) expectFrame(t *testing.T, kind cp.GatewayMessageType) proto.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.in:
			require.True(t, ok)
			if f.kind == kind {
				return f.payload
			}
		case <-timeout:
			require.Failf(t, "timeout", "waiting for %s", kind)
		}
	}
}

func drain(c *gwConn) []frame {
	var out []frame
	for {
		select {
		case f := <-c.in:
			out = append(out, f)
		default:
			return out
		}
	}
}

// TestFlushWhenNoReplyAck: a reply the gateway never acknowledges goes to the
// flush endpoint, with the trace context the endpoint requires.
func TestFlushWhenNoReplyAck(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	runWorker(t, c, connect.Options{ReplyAckTimeout: 20 * time.Millisecond}, helloFn(t, c))
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	conn.expect(t, cp.GatewayMessageType_WORKER_REPLY)
	require.Eventually(t, func() bool { return len(g.flushed()) == 1 }, 5*time.Second, 5*time.Millisecond)
	f := g.flushed()[0]
	require.Equal(t, req.RequestId, f.RequestId)
	require.Equal(t, cp.SDKResponseStatus_DONE, f.Status)
	require.Equal(t, `"hello"`, string(f.Body))
	require.Equal(t, req.SystemTraceCtx, f.SystemTraceCtx)
}

// TestFlushWhenConnectionEndsBeforeReplyAck: the reply is written, then the
// socket drops (the server restarts) before WORKER_REPLY_ACK: the reply goes
// to the flush endpoint at once rather than after ReplyAckTimeout (an hour
// here; the test would time out).
func TestFlushWhenConnectionEndsBeforeReplyAck(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	logs := &syncBuffer{}
	c := recClient(t, g, logs)
	runWorker(t, c, connect.Options{ReplyAckTimeout: time.Hour, ReconnectMin: time.Millisecond, ReconnectMax: 5 * time.Millisecond}, helloFn(t, c))
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, req.RequestId, reply.RequestId)
	_ = conn.ws.CloseNow()
	require.Eventually(t, func() bool { return len(g.flushed()) == 1 }, 10*time.Second, 5*time.Millisecond)
	f := g.flushed()[0]
	require.Equal(t, req.RequestId, f.RequestId)
	require.Equal(t, `"hello"`, string(f.Body))
	require.Contains(t, logs.String(), "connection closed before WORKER_REPLY_ACK")
	g.next(t) // and the worker is connected again
}

// TestReconnectKeepsAckedRequest: the socket drops while an acked request
// runs; the worker reconnects (with a new start call) and the reply goes out
// on the new connection.
func TestReconnectKeepsAckedRequest(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	release := make(chan struct{})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "hello"},
		inngest.OnEvent(events.Define[recData]("connect-rec/hello", events.AllowAnyName())),
		func(ctx context.Context, in inngest.Input[recData]) (string, error) {
			<-release
			return "after the drop", nil
		})
	require.NoError(t, err)
	r := runWorker(t, c, connect.Options{ReconnectMin: time.Millisecond, ReconnectMax: 5 * time.Millisecond}, fn)
	conn1 := g.next(t)
	req := recordedRequest(t, g, "")
	conn1.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	conn1.expect(t, cp.GatewayMessageType_WORKER_REQUEST_ACK)
	_ = conn1.ws.CloseNow() // the gateway restarts
	conn2 := g.next(t)
	require.Eventually(t, r.w.Ready, 5*time.Second, time.Millisecond)
	close(release)
	reply := conn2.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, req.RequestId, reply.RequestId)
	require.Equal(t, `"after the drop"`, string(reply.Body))
	conn2.send(t, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: req.RequestId})
	require.Len(t, g.startRequests(), 2)
	require.Empty(t, g.flushed())
}

// TestDrainReconnectsElsewhere: GATEWAY_CLOSING makes the worker connect
// again excluding the draining gateway group, then close the old socket.
func TestDrainReconnectsElsewhere(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	runWorker(t, c, connect.Options{ReplyAckTimeout: 20 * time.Millisecond}, helloFn(t, c))
	conn1 := g.next(t)
	conn1.send(t, cp.GatewayMessageType_GATEWAY_CLOSING, nil)
	conn2 := g.next(t)
	starts := g.startRequests()
	require.Len(t, starts, 2)
	require.Empty(t, starts[0].ExcludeGateways)
	require.Equal(t, []string{"gw-1"}, starts[1].ExcludeGateways)
	select {
	case <-conn1.done:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "old connection not closed")
	}
	code, _ := conn1.closed()
	require.Equal(t, websocket.StatusNormalClosure, code)
	// The new connection serves requests.
	req := recordedRequest(t, g, "")
	conn2.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	reply := conn2.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, `"hello"`, string(reply.Body))
}

// TestMissedHeartbeatsReconnect: a gateway that stops answering is replaced
// after MaxMissedHeartbeats intervals.
func TestMissedHeartbeatsReconnect(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	g.answerHeartbeats = false
	c := recClient(t, g, &syncBuffer{})
	runWorker(t, c, connect.Options{HeartbeatInterval: 10 * time.Millisecond, MaxMissedHeartbeats: 2, ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond}, helloFn(t, c))
	conn1 := g.next(t)
	conn1.expect(t, cp.GatewayMessageType_WORKER_HEARTBEAT)
	g.next(t)
	<-conn1.done
	_, reason := conn1.closed()
	require.Equal(t, "CONSECUTIVE_HEARTBEATS_MISSED", reason)
}

// TestBadGatewayInput: what the gateway sends that the worker cannot use gets
// a log line and the protocol's answer, never a panic or a stuck connection.
func TestBadGatewayInput(t *testing.T) {
	t.Parallel()
	unknownKind, _ := proto.Marshal(&cp.ConnectMessage{Kind: 99, Payload: []byte("x")})
	badPayload, _ := proto.Marshal(&cp.ConnectMessage{Kind: cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, Payload: []byte{0xff, 0xff}})
	tests := []struct {
		name      string
		raw       []byte
		big       int
		reconnect bool
		log       string
	}{
		{name: "unknown kind is ignored", raw: unknownKind, log: "unknown kind"},
		{name: "not protobuf", raw: []byte{0xff, 0x01, 0x02}, reconnect: true, log: "does not decode"},
		{name: "payload does not decode", raw: badPayload, reconnect: true, log: "does not decode"},
		{name: "oversized", big: 64 << 10, reconnect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newFakeGateway(t)
			logs := &syncBuffer{}
			c := recClient(t, g, logs)
			opts := connect.Options{ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond}
			if tt.big > 0 {
				opts.MaxMessageBytes = 32 << 10
				tt.raw, _ = proto.Marshal(&cp.ConnectMessage{Kind: cp.GatewayMessageType_GATEWAY_HEARTBEAT, Payload: make([]byte, tt.big)})
			}
			runWorker(t, c, opts, helloFn(t, c))
			conn := g.next(t)
			conn.sendRaw(t, tt.raw)
			if tt.reconnect {
				<-conn.done
				conn = g.next(t)
			}
			// Either way the worker still serves requests.
			req := recordedRequest(t, g, "")
			conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
			reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
			require.Equal(t, `"hello"`, string(reply.Body))
			if tt.log != "" {
				require.Contains(t, logs.String(), tt.log)
			}
		})
	}
}

// TestUnknownFunction: a request for a function this worker does not serve
// gets a retriable ERROR reply naming it (the serve handler's 404).
func TestUnknownFunction(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	logs := &syncBuffer{}
	c := recClient(t, g, logs)
	runWorker(t, c, connect.Options{}, helloFn(t, c))
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	req.FunctionSlug = "connect-rec-gone"
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, cp.SDKResponseStatus_ERROR, reply.Status)
	require.False(t, reply.NoRetry)
	require.Contains(t, string(reply.Body), "FunctionNotFound")
	require.Contains(t, logs.String(), "does not serve")
}

// TestShutdownDeadline: on ctx cancel the worker pauses, waits for the
// request in flight up to ShutdownTimeout, then cancels it, still delivers
// its reply, and returns.
func TestShutdownDeadline(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	var cancelled atomic.Bool
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "hello"},
		inngest.OnEvent(events.Define[recData]("connect-rec/hello", events.AllowAnyName())),
		func(ctx context.Context, in inngest.Input[recData]) (string, error) {
			<-ctx.Done()
			cancelled.Store(true)
			return "", ctx.Err()
		})
	require.NoError(t, err)
	r := runWorker(t, c, connect.Options{ShutdownTimeout: 50 * time.Millisecond, ReplyAckTimeout: 20 * time.Millisecond}, fn)
	conn := g.next(t)
	req := recordedRequest(t, g, "")
	conn.send(t, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
	conn.expect(t, cp.GatewayMessageType_WORKER_REQUEST_ACK)
	start := time.Now()
	require.NoError(t, r.stop(t))
	require.True(t, cancelled.Load())
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	conn.expect(t, cp.GatewayMessageType_WORKER_PAUSE)
	reply := conn.expect(t, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
	require.Equal(t, req.RequestId, reply.RequestId)
	require.Equal(t, cp.SDKResponseStatus_ERROR, reply.Status)
}

// TestCloseStopsAtOnce: Close ends Run with ErrClosed without waiting.
func TestCloseStopsAtOnce(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	r := runWorker(t, c, connect.Options{ShutdownTimeout: time.Hour}, helloFn(t, c))
	g.next(t)
	require.NoError(t, r.w.Close())
	select {
	case err := <-r.done:
		require.ErrorIs(t, err, connect.ErrClosed)
		r.done <- err
	case <-time.After(5 * time.Second):
		require.FailNow(t, "Close did not stop Run")
	}
}

// TestReadyHandler answers 503 until the worker is connected, then 200.
func TestReadyHandler(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	var changes atomic.Int32
	w, err := connect.New(c, connect.Options{OnReady: func(bool) { changes.Add(1) }}, helloFn(t, c))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	w.ReadyHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	g.next(t)
	require.Eventually(t, w.Ready, 5*time.Second, time.Millisecond)
	rec = httptest.NewRecorder()
	w.ReadyHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	cancel()
	require.NoError(t, <-done)
	require.Equal(t, int32(2), changes.Load())
	require.False(t, w.Ready())
}

// TestNewErrors: configuration errors are ErrConfig.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	c := recClient(t, g, &syncBuffer{})
	_, err := connect.New(nil, connect.Options{})
	require.ErrorIs(t, err, connect.ErrConfig)
	_, err = connect.New(c, connect.Options{})
	require.ErrorIs(t, err, connect.ErrConfig)
	require.True(t, strings.HasPrefix(err.Error(), "inngest:"))
}
