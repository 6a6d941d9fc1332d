// Command connectrecord drives the Connect gateway of a running dev server by
// hand (no worker of this module involved) and writes each exchange, decoded,
// to testdata/connect/<scenario>.json. It neither builds nor starts the server,
// and no test or CI job runs it; the recordings it wrote are what the tests
// replay. See testdata/connect/README.md.
//
//	go run ./internal/realserver/connectrecord -server http://127.0.0.1:9110 [-drain-pid PID]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

var outDir = flag.String("out", "testdata/connect", "directory the recordings are written to")

// cliT lets the recorder use require outside a test: a failed check ends the
// command.
type cliT struct{ scenario string }

func (c *cliT) Errorf(format string, args ...any) { log.Printf(c.scenario+": "+format, args...) }
func (c *cliT) FailNow()                          { os.Exit(1) }

// recordedFrame is one WebSocket frame of a recording.
type recordedFrame struct {
	// From is "gateway" or "worker".
	From string `json:"from"`
	Kind string `json:"kind"`
	// AtMS is the time since the socket opened.
	AtMS int64 `json:"at_ms"`
	// Payload is the decoded payload (protojson, proto field names), absent when
	// the kind carries none.
	Payload json.RawMessage `json:"payload,omitempty"`
	// Note says why the worker sent the frame or what the step shows.
	Note string `json:"note,omitempty"`
}

// recordedHTTP is one call of the worker REST API.
type recordedHTTP struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Request  json.RawMessage `json:"request,omitempty"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
	// RawResponse holds a body that is not protobuf (an error's JSON).
	RawResponse string `json:"raw_response,omitempty"`
}

// recording is one file in testdata/connect.
type recording struct {
	Scenario string          `json:"scenario"`
	Server   string          `json:"server"`
	About    string          `json:"about"`
	HTTP     []recordedHTTP  `json:"http"`
	Frames   []recordedFrame `json:"frames"`
	// Close is how the socket ended: the close code and reason the worker
	// observed or sent.
	Close string `json:"close,omitempty"`
}

var pj = protojson.MarshalOptions{UseProtoNames: true}

// recorder drives one connection by hand and writes down every frame.
type recorder struct {
	t      require.TestingT
	origin string
	rec    *recording
	ws     *websocket.Conn
	opened time.Time
	mu     sync.Mutex
}

func (r *recorder) encode(m proto.Message) json.RawMessage {
	b, err := pj.Marshal(m)
	require.NoError(r.t, err)
	// protojson's spacing is randomised; store a stable form.
	var v any
	require.NoError(r.t, json.Unmarshal(b, &v))
	out, err := json.Marshal(v)
	require.NoError(r.t, err)
	return redactTokens(out)
}

// redactTokens replaces the dev server's session JWT, which changes on every
// start, by a marker.
func redactTokens(b []byte) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	redact(m)
	out, _ := json.Marshal(m)
	return out
}

func redact(m map[string]any) {
	for k, v := range m {
		switch vv := v.(type) {
		case map[string]any:
			redact(vv)
		case string:
			if k == "session_token" && vv != "" {
				m[k] = "<session jwt>"
			}
		}
	}
}

func (r *recorder) rest(path string, req, resp proto.Message) int {
	body, err := proto.Marshal(req)
	require.NoError(r.t, err)
	hr, err := http.NewRequest(http.MethodPost, r.origin+path, bytes.NewReader(body))
	require.NoError(r.t, err)
	hr.Header.Set("Content-Type", "application/protobuf")
	hr.Header.Set("Authorization", "Bearer dev")
	res, err := http.DefaultClient.Do(hr)
	require.NoError(r.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(r.t, err)
	h := recordedHTTP{Method: http.MethodPost, Path: path, Request: r.encode(req), Status: res.StatusCode}
	if res.StatusCode == http.StatusOK && proto.Unmarshal(raw, resp) == nil {
		h.Response = r.encode(resp)
	} else {
		h.RawResponse = string(raw)
	}
	r.rec.HTTP = append(r.rec.HTTP, h)
	return res.StatusCode
}

func (r *recorder) send(ctx context.Context, kind cp.GatewayMessageType, payload proto.Message, note string) {
	f := recordedFrame{From: "worker", Kind: kind.String(), Note: note}
	msg := &cp.ConnectMessage{Kind: kind}
	if payload != nil {
		b, err := proto.Marshal(payload)
		require.NoError(r.t, err)
		msg.Payload = b
		f.Payload = r.encode(payload)
	}
	b, err := proto.Marshal(msg)
	require.NoError(r.t, err)
	r.mu.Lock()
	f.AtMS = time.Since(r.opened).Milliseconds()
	r.rec.Frames = append(r.rec.Frames, f)
	r.mu.Unlock()
	require.NoError(r.t, r.ws.Write(ctx, websocket.MessageBinary, b))
}

// read returns the next frame from the gateway, recording it; heartbeats are
// recorded and skipped unless want asks for one.
func (r *recorder) read(ctx context.Context, want cp.GatewayMessageType, note string) proto.Message {
	for {
		typ, b, err := r.ws.Read(ctx)
		require.NoError(r.t, err, "waiting for %s", want)
		require.Equal(r.t, websocket.MessageBinary, typ)
		var msg cp.ConnectMessage
		require.NoError(r.t, proto.Unmarshal(b, &msg))
		f := recordedFrame{From: "gateway", Kind: msg.Kind.String()}
		p := cp.NewPayload(msg.Kind)
		if p != nil {
			require.NoError(r.t, proto.Unmarshal(msg.Payload, p))
			f.Payload = r.encode(p)
		} else {
			require.Empty(r.t, msg.Payload, "%s carries a payload", msg.Kind)
		}
		if msg.Kind == want {
			f.Note = note
		}
		r.mu.Lock()
		f.AtMS = time.Since(r.opened).Milliseconds()
		r.rec.Frames = append(r.rec.Frames, f)
		r.mu.Unlock()
		if msg.Kind == want {
			return p
		}
		require.Contains(r.t, []cp.GatewayMessageType{cp.GatewayMessageType_GATEWAY_HEARTBEAT}, msg.Kind,
			"waiting for %s", want)
	}
}

func (r *recorder) write(name string) {
	b, err := json.MarshalIndent(r.rec, "", "  ")
	require.NoError(r.t, err)
	require.NoError(r.t, os.WriteFile(filepath.Join(*outDir, name+".json"), append(b, '\n'), 0o644))
}

const recAppID = "connect-rec"

func recFunctions(ids ...string) []byte {
	var fns []map[string]any
	for _, id := range ids {
		slug := recAppID + "-" + id
		fns = append(fns, map[string]any{
			"id": slug, "name": id,
			"triggers": []map[string]any{{"event": "connect-rec/" + id}},
			"steps": map[string]any{"step": map[string]any{
				"id": "step", "name": "step",
				"runtime": map[string]any{"type": "ws", "url": "ws://connect?fnId=" + slug + "&step=step"},
				"retries": map[string]any{"attempts": 0},
			}},
		})
	}
	b, _ := json.Marshal(fns)
	return b
}

func sendEvent(t require.TestingT, origin, name string) {
	body := fmt.Sprintf(`{"name":%q,"data":{"at":%d}}`, name, time.Now().UnixNano())
	res, err := http.Post(origin+"/e/test", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
}

// dial performs start, the upgrade and the handshake.
func (r *recorder) dial(ctx context.Context, instance string, fns ...string) *cp.GatewayConnectionReadyData {
	var start cp.StartResponse
	require.Equal(r.t, http.StatusOK, r.rest(cp.StartPath, &cp.StartRequest{}, &start))
	ws, res, err := websocket.Dial(ctx, start.GatewayEndpoint, &websocket.DialOptions{Subprotocols: []string{cp.Subprotocol}})
	require.NoError(r.t, err)
	require.Equal(r.t, cp.Subprotocol, res.Header.Get("Sec-WebSocket-Protocol"))
	ws.SetReadLimit(16 << 20)
	r.ws, r.opened = ws, time.Now()
	r.read(ctx, cp.GatewayMessageType_GATEWAY_HELLO, "first frame after the upgrade")
	r.send(ctx, cp.GatewayMessageType_WORKER_CONNECT, &cp.WorkerConnectRequestData{
		ConnectionId: start.ConnectionId, InstanceId: instance,
		AuthData:         &cp.AuthData{SessionToken: start.SessionToken, SyncToken: start.SyncToken},
		Capabilities:     []byte(`{"trust_probe":"v1","connect":"v1"}`),
		Apps:             []*cp.AppConfiguration{{AppName: recAppID, AppVersion: proto.String("rec-1"), Functions: recFunctions(fns...)}},
		SystemAttributes: &cp.SystemAttributes{CpuCores: 2, MemBytes: 1 << 30, Os: "linux"},
		Framework:        "connect", SdkVersion: "0.0.0-rec", SdkLanguage: "go",
		StartedAt:            timestamppb.New(time.Unix(1_800_000_000, 0)),
		MaxWorkerConcurrency: proto.Int64(4),
	}, "")
	return r.read(ctx, cp.GatewayMessageType_GATEWAY_CONNECTION_READY, "the connection is registered and the app synced").(*cp.GatewayConnectionReadyData)
}

func (r *recorder) closeWith(code websocket.StatusCode, reason string) {
	r.rec.Close = fmt.Sprintf("worker closed %d %s", code, reason)
	_ = r.ws.Close(code, reason)
}

func newRecorder(t require.TestingT, origin, scenario, about string) *recorder {
	return &recorder{t: t, origin: origin, rec: &recording{Scenario: scenario, Server: "inngest dev (inngest/inngest 253303cdff), --tick 50", About: about}}
}

func main() {
	server := flag.String("server", "", "the running dev server's origin, e.g. http://127.0.0.1:9110 (required)")
	drainPID := flag.String("drain-pid", "", "the dev server's pid: record only the drain scenario, which sends it SIGTERM")
	flag.Parse()
	if *server == "" {
		flag.Usage()
		os.Exit(2)
	}
	origin := strings.TrimRight(*server, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type step struct {
		name string
		run  func(t require.TestingT)
	}
	var steps []step

	steps = append(steps, step{"request", func(t require.TestingT) {
		r := newRecorder(t, origin, "request", "handshake, heartbeat, status, one request acked, its lease extended twice, a stale lease refused, the reply acked, then pause and a clean close")
		ready := r.dial(ctx, "rec-request", "hello")
		// A heartbeat sent the moment ready arrives can be handled before the
		// gateway marks the connection READY and store it as CONNECTED, which
		// leaves it unroutable ("no healthy connections") until the next one.
		time.Sleep(time.Second)
		r.send(ctx, cp.GatewayMessageType_WORKER_HEARTBEAT, nil, "one second after ready")
		r.read(ctx, cp.GatewayMessageType_GATEWAY_HEARTBEAT, "the answer to a worker heartbeat")
		r.send(ctx, cp.GatewayMessageType_WORKER_STATUS, &cp.WorkerStatusData{}, "no answer is expected")
		sendEvent(t, origin, "connect-rec/hello")
		req := r.read(ctx, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, "the event's run, first call").(*cp.GatewayExecutorRequestData)
		r.send(ctx, cp.GatewayMessageType_WORKER_REQUEST_ACK, &cp.WorkerRequestAckData{
			RequestId: req.RequestId, AccountId: req.AccountId, EnvId: req.EnvId, AppId: req.AppId,
			FunctionSlug: req.FunctionSlug, StepId: req.StepId, SystemTraceCtx: req.SystemTraceCtx,
			UserTraceCtx: req.UserTraceCtx, RunId: req.RunId,
		}, "")
		lease := req.LeaseId
		for i := 0; i < 2; i++ {
			r.send(ctx, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, extend(req, lease), fmt.Sprintf("extension %d with the lease held (extend_lease_interval is %s)", i+1, ready.ExtendLeaseInterval))
			ack := r.read(ctx, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, "a new lease id").(*cp.WorkerRequestExtendLeaseAckData)
			require.NotEmpty(t, ack.GetNewLeaseId())
			lease = ack.GetNewLeaseId()
		}
		r.send(ctx, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, extend(req, req.LeaseId), "the first, replaced lease id again")
		nack := r.read(ctx, cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK, "no new_lease_id: the lease is not this worker's any more").(*cp.WorkerRequestExtendLeaseAckData)
		require.Nil(t, nack.NewLeaseId)
		r.send(ctx, cp.GatewayMessageType_WORKER_REPLY, reply(req, `"hello"`), "the function's return value")
		ack := r.read(ctx, cp.GatewayMessageType_WORKER_REPLY_ACK, "").(*cp.WorkerReplyAckData)
		require.Equal(t, req.RequestId, ack.RequestId)
		r.send(ctx, cp.GatewayMessageType_WORKER_PAUSE, nil, "shutting down: no more requests")
		r.send(ctx, cp.GatewayMessageType_WORKER_HEARTBEAT, nil, "heartbeat after pause")
		r.read(ctx, cp.GatewayMessageType_GATEWAY_HEARTBEAT, "heartbeats are still answered after pause")
		r.closeWith(websocket.StatusNormalClosure, cp.WorkerDisconnectReason_WORKER_SHUTDOWN.String())
		r.write("request")
	}})

	steps = append(steps, step{"flush", func(t require.TestingT) {
		r := newRecorder(t, origin, "flush", "a request acked whose reply goes to POST /v0/connect/flush instead of the socket; the run completes from the flushed reply")
		r.dial(ctx, "rec-flush", "flushed")
		time.Sleep(time.Second)
		sendEvent(t, origin, "connect-rec/flushed")
		req := r.read(ctx, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, "").(*cp.GatewayExecutorRequestData)
		r.send(ctx, cp.GatewayMessageType_WORKER_REQUEST_ACK, &cp.WorkerRequestAckData{
			RequestId: req.RequestId, AccountId: req.AccountId, EnvId: req.EnvId, AppId: req.AppId,
			FunctionSlug: req.FunctionSlug, RunId: req.RunId, SystemTraceCtx: req.SystemTraceCtx,
		}, "")
		var fr cp.FlushResponse
		require.Equal(t, http.StatusOK, r.rest(cp.FlushPath, reply(req, `"flushed"`), &fr))
		require.Equal(t, req.RequestId, fr.RequestId)
		var empty cp.FlushResponse
		bad := reply(req, `"x"`)
		bad.SystemTraceCtx = nil
		r.rest(cp.FlushPath, bad, &empty) // recorded: an empty system_trace_ctx is refused
		r.closeWith(websocket.StatusNormalClosure, cp.WorkerDisconnectReason_WORKER_SHUTDOWN.String())
		r.write("flush")
	}})

	steps = append(steps, step{"bad-input", func(t require.TestingT) {
		r := newRecorder(t, origin, "bad-input", "after ready, an extend-lease whose payload does not decode: the gateway closes the socket with a policy-violation code")
		r.dial(ctx, "rec-bad", "hello")
		r.mu.Lock()
		r.rec.Frames = append(r.rec.Frames, recordedFrame{From: "worker", Kind: cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE.String(), AtMS: time.Since(r.opened).Milliseconds(), Note: "payload is the bytes ff ff ff (not protobuf)"})
		r.mu.Unlock()
		b, _ := proto.Marshal(&cp.ConnectMessage{Kind: cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, Payload: []byte{0xff, 0xff, 0xff}})
		require.NoError(t, r.ws.Write(ctx, websocket.MessageBinary, b))
		_, _, err := r.ws.Read(ctx)
		require.Error(t, err)
		r.rec.Close = fmt.Sprintf("gateway closed: code %d reason %q", websocket.CloseStatus(err), closeReason(err))
		r.write("bad-input")
	}})

	if pid := *drainPID; pid != "" {
		steps = []step{{"drain", func(t require.TestingT) {
			r := newRecorder(t, origin, "drain", "the dev server gets SIGTERM two seconds after a worker connected: what the gateway sends before the socket ends")
			r.dial(ctx, "rec-drain", "hello")
			time.Sleep(2 * time.Second)
			require.NoError(t, exec("kill", "-TERM", pid))
			typ, b, err := r.ws.Read(ctx)
			if err == nil {
				var msg cp.ConnectMessage
				require.Equal(t, websocket.MessageBinary, typ)
				require.NoError(t, proto.Unmarshal(b, &msg))
				r.rec.Frames = append(r.rec.Frames, recordedFrame{From: "gateway", Kind: msg.Kind.String(), AtMS: time.Since(r.opened).Milliseconds(), Note: "sent on SIGTERM"})
				_, _, err = r.ws.Read(ctx)
			}
			require.Error(t, err)
			r.rec.Close = fmt.Sprintf("after SIGTERM: close status %d reason %q (%v)", websocket.CloseStatus(err), closeReason(err), err)
			r.write("drain")
		}}}
	}
	for _, st := range steps {
		st.run(&cliT{scenario: st.name})
		log.Printf("recorded %s", st.name)
	}
}

func closeReason(err error) string {
	var ce websocket.CloseError
	if errorsAs(err, &ce) {
		return ce.Reason
	}
	return ""
}

func extend(req *cp.GatewayExecutorRequestData, lease string) *cp.WorkerRequestExtendLeaseData {
	return &cp.WorkerRequestExtendLeaseData{
		RequestId: req.RequestId, AccountId: req.AccountId, EnvId: req.EnvId, AppId: req.AppId,
		FunctionSlug: req.FunctionSlug, StepId: req.StepId, SystemTraceCtx: req.SystemTraceCtx,
		UserTraceCtx: req.UserTraceCtx, RunId: req.RunId, LeaseId: lease,
	}
}

func reply(req *cp.GatewayExecutorRequestData, body string) *cp.SDKResponse {
	return &cp.SDKResponse{
		RequestId: req.RequestId, AccountId: req.AccountId, EnvId: req.EnvId, AppId: req.AppId,
		Status: cp.SDKResponseStatus_DONE, Body: []byte(body), SdkVersion: "go:v0.0.0-rec", RequestVersion: 2,
		SystemTraceCtx: req.SystemTraceCtx, UserTraceCtx: req.UserTraceCtx, RunId: req.RunId,
	}
}
