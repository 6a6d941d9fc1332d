package connect_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// BenchmarkCall compares one call of the recorded function (connect-rec-hello,
// returns "hello") through a Connect worker and through serve.Handler. The
// Connect figure is a full round trip over loopback: the fake gateway encodes
// the executor request, the worker decodes, acks, runs, replies, and the
// gateway decodes the ack and the reply and sends the reply ack; the HTTP
// figure is the handler alone (httptest recorder, no socket).
func BenchmarkCall(b *testing.B) {
	b.Run("connect", func(b *testing.B) {
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
	})
	b.Run("serve", func(b *testing.B) {
		g := newFakeGateway(b)
		c := recClient(b, g, &syncBuffer{})
		h := serve.Handler(c, helloFn(b, c))
		body := string(recordedRequest(b, g, "").RequestPayload)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=connect-rec-hello&stepId=step", strings.NewReader(body)))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
