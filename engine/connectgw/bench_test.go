package connectgw

import (
	"context"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// BenchmarkGatewayCall measures one call through the gateway and a raw
// worker over a loopback WebSocket: forward, ack, reply, reply ack.
func BenchmarkGatewayCall(b *testing.B) {
	e := newEnv(b, engine.Options{}, Options{})
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	done := make(chan struct{})
	go func() { // the worker: ack and answer every request
		defer close(done)
		ctx := context.Background()
		for {
			_, raw, err := c.ws.Read(ctx)
			if err != nil {
				return
			}
			var m connectproto.ConnectMessage
			if proto.Unmarshal(raw, &m) != nil || m.Kind != connectproto.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST {
				continue
			}
			var d connectproto.GatewayExecutorRequestData
			_ = proto.Unmarshal(m.Payload, &d)
			ack, _ := proto.Marshal(&connectproto.ConnectMessage{Kind: connectproto.GatewayMessageType_WORKER_REQUEST_ACK,
				Payload: mustProtoT(&connectproto.WorkerRequestAckData{RequestId: d.RequestId})})
			rep, _ := proto.Marshal(&connectproto.ConnectMessage{Kind: connectproto.GatewayMessageType_WORKER_REPLY,
				Payload: mustProtoT(sdkResponse(&d, connectproto.SDKResponseStatus_DONE, `"ok"`))})
			if c.ws.Write(ctx, 2, ack) != nil || c.ws.Write(ctx, 2, rep) != nil {
				return
			}
		}
	}()
	body := []byte(`{"ctx":{"run_id":"r"},"event":{},"events":[{}],"steps":{},"version":2}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rep, err := e.gw.Call(context.Background(), engine.ConnectCall{AppName: "capp", FunctionSlug: "capp-fn", StepID: "step",
			RunID: "r", RequestID: "req-" + strconv.Itoa(i), Body: body})
		if err != nil || rep.Status != 200 {
			b.Fatalf("call %d: %v %d", i, err, rep.Status)
		}
	}
	b.StopTimer()
	_ = c.ws.CloseNow()
	<-done
}
