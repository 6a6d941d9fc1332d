package connectproto

import "google.golang.org/protobuf/proto"

// Subprotocol is the WebSocket subprotocol a worker asks for and the gateway
// accepts (Sec-WebSocket-Protocol).
const Subprotocol = "v0.connect.inngest.com"

// The worker REST endpoints, relative to the API origin. Both take and return
// protobuf bodies (Content-Type: application/protobuf) and want the hashed
// signing key as a bearer token.
const (
	// StartPath is POST StartRequest → StartResponse.
	StartPath = "/v0/connect/start"
	// FlushPath is POST SDKResponse → FlushResponse: a reply that got no
	// WORKER_REPLY_ACK on the socket.
	FlushPath = "/v0/connect/flush"
)

// NewPayload returns a new, empty message of the type a frame of kind carries
// in its payload, or nil for the kinds whose payload is empty (hello,
// heartbeats, pause, ready, closing) and for kinds this module does not know.
func NewPayload(kind GatewayMessageType) proto.Message {
	switch kind {
	case GatewayMessageType_WORKER_CONNECT:
		return &WorkerConnectRequestData{}
	case GatewayMessageType_GATEWAY_CONNECTION_READY:
		return &GatewayConnectionReadyData{}
	case GatewayMessageType_GATEWAY_EXECUTOR_REQUEST:
		return &GatewayExecutorRequestData{}
	case GatewayMessageType_WORKER_REQUEST_ACK:
		return &WorkerRequestAckData{}
	case GatewayMessageType_WORKER_REPLY:
		return &SDKResponse{}
	case GatewayMessageType_WORKER_REPLY_ACK:
		return &WorkerReplyAckData{}
	case GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE:
		return &WorkerRequestExtendLeaseData{}
	case GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK:
		return &WorkerRequestExtendLeaseAckData{}
	case GatewayMessageType_SYNC_FAILED:
		return &SystemError{}
	case GatewayMessageType_WORKER_STATUS:
		return &WorkerStatusData{}
	}
	return nil
}
