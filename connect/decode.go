package connect

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// Errors of the gateway's input.
var (
	// ErrBadFrame: a gateway frame or its payload is not valid protobuf.
	ErrBadFrame = errors.New("inngest: connect: malformed gateway message")
	// ErrUnknownKind: a gateway frame of a kind this worker does not know; it is
	// logged and ignored.
	ErrUnknownKind = errors.New("inngest: connect: unknown gateway message kind")
)

// decodeFrame decodes one binary frame from the gateway: the envelope, then the
// payload its kind names (nil for the kinds without data).
func decodeFrame(b []byte) (cp.GatewayMessageType, proto.Message, error) {
	var env cp.ConnectMessage
	if err := proto.Unmarshal(b, &env); err != nil {
		return 0, nil, fmt.Errorf("%w: envelope: %v", ErrBadFrame, err)
	}
	if _, known := cp.GatewayMessageType_name[int32(env.Kind)]; !known {
		return env.Kind, nil, fmt.Errorf("%w: %d", ErrUnknownKind, int32(env.Kind))
	}
	m := cp.NewPayload(env.Kind)
	if m == nil {
		return env.Kind, nil, nil
	}
	if err := proto.Unmarshal(env.Payload, m); err != nil {
		return env.Kind, nil, fmt.Errorf("%w: %s payload: %v", ErrBadFrame, env.Kind, err)
	}
	return env.Kind, m, nil
}

// decodeStart decodes the answer of POST /v0/connect/start and checks the
// fields the worker cannot go on without.
func decodeStart(b []byte) (*cp.StartResponse, error) {
	var r cp.StartResponse
	if err := proto.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: start response: %v", ErrBadFrame, err)
	}
	if r.GatewayEndpoint == "" || r.ConnectionId == "" {
		return nil, fmt.Errorf("%w: start response without gateway endpoint or connection id", ErrBadFrame)
	}
	return &r, nil
}

// interval parses a Go duration the gateway sent; fallback when it is absent,
// malformed or not positive.
func interval(s string, fallback time.Duration) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fallback
	}
	return d
}
