package connectgw

import (
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// FuzzDecodeWorkerMessage: any bytes a connected worker sends decode to a
// message or to a close reason with a valid status, never a panic; a
// decoded message of a kind with a payload carries it.
func FuzzDecodeWorkerMessage(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff})
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_HEARTBEAT, nil))
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_REPLY, mustProtoT(&connectproto.SDKResponse{RequestId: "r", Status: 1, Body: []byte(`1`)})))
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_REQUEST_ACK, mustProtoT(&connectproto.WorkerRequestAckData{RequestId: "r"})))
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE, mustProtoT(&connectproto.WorkerRequestExtendLeaseData{RequestId: "r", LeaseId: "01M984SS35GM68NJSJ3RXQ94ZG"})))
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_STATUS, mustProtoT(&connectproto.WorkerStatusData{InFlightRequestIds: []string{"a"}})))
	f.Add(envelope(connectproto.GatewayMessageType(77), []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, serr := decodeWorkerMessage(b)
		if serr != nil {
			if serr.status < websocket.StatusNormalClosure || len(serr.code) > 123 {
				t.Fatalf("bad close %d %q", serr.status, serr.code)
			}
			return
		}
		switch m.kind {
		case connectproto.GatewayMessageType_WORKER_REPLY:
			if m.reply == nil {
				t.Fatal("reply without payload")
			}
		case connectproto.GatewayMessageType_WORKER_REQUEST_ACK:
			if m.ack == nil {
				t.Fatal("ack without payload")
			}
		case connectproto.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE:
			if m.lease == nil {
				t.Fatal("lease without payload")
			}
		}
		_ = toReply(&connectproto.SDKResponse{Status: connectproto.SDKResponseStatus(len(b))})
	})
}

// FuzzDecodeConnect: any first message decodes to a checked WORKER_CONNECT
// or a close reason, never a panic.
func FuzzDecodeConnect(f *testing.F) {
	f.Add([]byte{})
	f.Add(envelope(connectproto.GatewayMessageType_WORKER_CONNECT, mustProtoT(&connectproto.WorkerConnectRequestData{
		ConnectionId: "01M984SS35GM68NJSJ3RXQ94ZG", InstanceId: "i", Apps: []*connectproto.AppConfiguration{{AppName: "a", Functions: []byte("[]")}}})))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, serr := decodeConnect(b)
		if serr == nil && (d.InstanceId == "" || len(d.Apps) == 0) {
			t.Fatal("accepted an incomplete connect message")
		}
	})
}

// FuzzVerifyToken: a worker's session token verifies under one secret at
// most (the one that signed it), and never panics.
func FuzzVerifyToken(f *testing.F) {
	secret := []byte("fuzz-secret")
	now := time.Unix(1_800_000_000, 0)
	good := signToken(secret, now)
	f.Add(good)
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		// a token can carry the MAC of one secret only
		if verifyToken(secret, tok, now) == nil && verifyToken([]byte("other-secret"), tok, now) == nil {
			t.Fatalf("token verified under two secrets: %q", tok)
		}
	})
}
