package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/cputime"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// benchItem and benchPayload are what every step of the dispatch benchmark
// returns: about 1 KB of JSON, as in bench/.
type benchItem struct {
	SKU   string  `json:"sku"`
	Label string  `json:"label"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

type benchPayload struct {
	ID       string      `json:"id"`
	Customer string      `json:"customer"`
	Note     string      `json:"note"`
	Items    []benchItem `json:"items"`
}

func makeBenchPayload(i int) benchPayload {
	p := benchPayload{ID: "order-" + strconv.Itoa(i), Customer: "customer-" + strconv.Itoa(i%97) + "@example.com", Note: "leave at the door", Items: make([]benchItem, 20)}
	for j := range p.Items {
		p.Items[j] = benchItem{SKU: "s" + strconv.Itoa(i*20+j), Label: "w" + strconv.Itoa(j), Qty: j%5 + 1, Price: float64(j) + 0.5}
	}
	return p
}

// dispatchCase is one function of n sequential steps, served by both a Connect
// worker (never run: only its per-request path is used) and serve.Handler, and
// one call body that memoizes all n steps, so that the call returns the
// function's result (200, DONE) without a checkpoint request.
type dispatchCase struct {
	worker  *connect.Worker
	handler http.Handler
	body    []byte // the call request, as the server sends it over HTTP
	frame   []byte // the same call as a GATEWAY_EXECUTOR_REQUEST frame
	want    string // the function's result
}

func newDispatchCase(tb testing.TB, n int) *dispatchCase {
	tb.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-rec", Mode: inngest.ModeDev, DevServerURL: "http://127.0.0.1:1"})
	require.NoError(tb, err)
	ev := events.Define[recData]("connect-rec/bench", events.AllowAnyName())
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "sequential"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[recData]) (int, error) {
			total := 0
			for i := 0; i < n; i++ {
				p, err := step.Run(ctx, "step-"+strconv.Itoa(i), func(ctx context.Context) (benchPayload, error) { return makeBenchPayload(i), nil })
				if err != nil {
					return 0, err
				}
				total += len(p.Items)
			}
			return total, nil
		})
	require.NoError(tb, err)
	w, err := connect.New(c, connect.Options{}, fn)
	require.NoError(tb, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(tb, err)

	steps := map[string]any{}
	stack := []string{}
	for i := 0; i < n; i++ {
		id := wire.HashID("step-"+strconv.Itoa(i), 0)
		steps[id] = map[string]any{"data": makeBenchPayload(i)}
		stack = append(stack, id)
	}
	e := map[string]any{"data": map[string]any{}, "id": "01JBENCHEVENT0000000000000", "name": "connect-rec/bench", "ts": 1700000000000, "user": map[string]any{}}
	raw, err := json.Marshal(map[string]any{
		"ctx": map[string]any{
			"attempt": 0, "disable_immediate_execution": false, "env": "dev", "fn_id": "9a1c0f7e-0000-4000-8000-000000000001",
			"max_attempts": 4, "qi_id": "", "request_id": "req", "run_id": "01JBENCHRUN00000000000000",
			"stack": map[string]any{"current": n, "stack": stack}, "step_id": "step", "use_api": false,
		},
		"event": e, "events": []any{e}, "steps": steps, "use_api": false, "version": 2,
	})
	require.NoError(tb, err)
	body, err := wire.Canonicalize(raw)
	require.NoError(tb, err)

	// The envelope fields are those the real gateway sent (testdata/connect/request.json).
	req := proto.Clone(loadRecording(tb, "request").gatewayPayload(tb, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST)).(*cp.GatewayExecutorRequestData)
	req.FunctionSlug, req.AppName, req.StepId, req.RequestPayload = "connect-rec-sequential", "connect-rec", proto.String("step"), body
	pl, err := proto.Marshal(req)
	require.NoError(tb, err)
	frame, err := proto.Marshal(&cp.ConnectMessage{Kind: cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, Payload: pl})
	require.NoError(tb, err)
	return &dispatchCase{worker: w, handler: h, body: body, frame: frame, want: strconv.Itoa(20 * n)}
}

// TestDispatchMatchesServe checks that the benchmarked calls do what they
// should: the worker's reply frame and the HTTP handler's response carry the
// same result for the same request, and the worker acks the request first.
func TestDispatchMatchesServe(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 10} {
		t.Run("steps="+strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			d := newDispatchCase(t, n)
			ack, reply, err := d.worker.Dispatch(d.frame)
			require.NoError(t, err)
			var env cp.ConnectMessage
			require.NoError(t, proto.Unmarshal(ack, &env))
			require.Equal(t, cp.GatewayMessageType_WORKER_REQUEST_ACK, env.Kind)
			require.NoError(t, proto.Unmarshal(reply, &env))
			require.Equal(t, cp.GatewayMessageType_WORKER_REPLY, env.Kind)
			var resp cp.SDKResponse
			require.NoError(t, proto.Unmarshal(env.Payload, &resp))
			require.Equal(t, cp.SDKResponseStatus_DONE, resp.Status)
			require.Equal(t, d.want, string(resp.Body))

			rec := httptest.NewRecorder()
			d.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=connect-rec-sequential&stepId=step", bytes.NewReader(d.body)))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, string(resp.Body), rec.Body.String())
		})
	}
}

// BenchmarkDispatch is the worker's own cost per request next to the HTTP
// handler's, like for like: the same function (n memoized ~1 KB steps, so the
// call returns the result), the same call body, the same codec, both in process
// with no socket. connect is Worker.Dispatch: decode the GATEWAY_EXECUTOR_REQUEST
// frame, encode the ack, run the call, encode the WORKER_REPLY frame. serve is
// serve.Handler's ServeHTTP from an *http.Request to the response bytes.
// Neither includes its transport (WebSocket framing, or net/http's parsing).
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		d := newDispatchCase(b, n)
		b.Run(fmt.Sprintf("steps=%d/connect", n), func(b *testing.B) {
			b.SetBytes(int64(len(d.frame)))
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				_, reply, err := d.worker.Dispatch(d.frame)
				if err != nil || len(reply) == 0 {
					b.Fatalf("dispatch: %v", err)
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(fmt.Sprintf("steps=%d/serve", n), func(b *testing.B) {
			b.SetBytes(int64(len(d.body)))
			b.ReportAllocs()
			body := bytes.NewReader(d.body)
			req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=connect-rec-sequential&stepId=step", body)
			cpu := cputime.Process()
			for b.Loop() {
				body.Reset(d.body)
				req.Body = io.NopCloser(body)
				rec := httptest.NewRecorder()
				d.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCallLoopback is one call of the recorded function (connect-rec-hello,
// returns "hello") through a running Connect worker over loopback: the fake
// gateway encodes the executor request, the worker decodes, acks, runs,
// replies, and the gateway decodes the ack and the reply and sends the reply
// ack. Its figure includes both ends of the WebSocket; BenchmarkDispatch is the
// like-for-like comparison with serve.
func BenchmarkCallLoopback(b *testing.B) {
	g := newFakeGateway(b)
	c := recClient(b, g, &syncBuffer{})
	w, err := connect.New(c, connect.Options{}, helloFn(b, c))
	require.NoError(b, err)
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	conn := g.next(b)
	req := recordedRequest(b, g, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.RequestId = fmt.Sprintf("req-%d", i)
		conn.send(b, cp.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST, req)
		reply := conn.expect(b, cp.GatewayMessageType_WORKER_REPLY).(*cp.SDKResponse)
		if string(reply.Body) != `"hello"` {
			b.Fatalf("reply %s", reply.Body)
		}
		conn.send(b, cp.GatewayMessageType_WORKER_REPLY_ACK, &cp.WorkerReplyAckData{RequestId: req.RequestId})
	}
	b.StopTimer()
	cancel()
	<-done
}
