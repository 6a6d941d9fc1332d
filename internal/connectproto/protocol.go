package connectproto

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
