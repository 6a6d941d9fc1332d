package connect

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// recordedGatewayFrames re-encodes every gateway frame of testdata/connect as
// the bytes the gateway sent.
func recordedGatewayFrames(f *testing.F) [][]byte {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "connect", "*.json"))
	require.NoError(f, err)
	var out [][]byte
	for _, name := range files {
		raw, err := os.ReadFile(name)
		require.NoError(f, err)
		var rec struct {
			Frames []struct {
				From    string          `json:"from"`
				Kind    string          `json:"kind"`
				Payload json.RawMessage `json:"payload"`
			} `json:"frames"`
		}
		require.NoError(f, json.Unmarshal(raw, &rec))
		for _, fr := range rec.Frames {
			kind := cp.GatewayMessageType(cp.GatewayMessageType_value[fr.Kind])
			env := &cp.ConnectMessage{Kind: kind}
			if m := cp.NewPayload(kind); m != nil && len(fr.Payload) > 0 {
				require.NoError(f, protojson.Unmarshal(fr.Payload, m))
				env.Payload, _ = proto.Marshal(m)
			}
			b, _ := proto.Marshal(env)
			out = append(out, b)
		}
	}
	return out
}

// FuzzDecodeFrame: any bytes from the gateway decode or fail with ErrBadFrame
// or ErrUnknownKind, never panic; a decoded frame re-encodes to a frame that
// decodes to the same message.
func FuzzDecodeFrame(f *testing.F) {
	for _, b := range recordedGatewayFrames(f) {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x63})
	f.Add([]byte{0x08, 0x03, 0x12, 0x02, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, m, err := decodeFrame(b)
		if err != nil {
			require.True(t, isGatewayInputError(err), "unexpected error class: %v", err)
			return
		}
		env := &cp.ConnectMessage{Kind: kind}
		if m != nil {
			env.Payload, err = proto.Marshal(m)
			require.NoError(t, err)
		}
		again, err := proto.Marshal(env)
		require.NoError(t, err)
		kind2, m2, err := decodeFrame(again)
		require.NoError(t, err)
		require.Equal(t, kind, kind2)
		if m != nil {
			require.True(t, proto.Equal(m, m2))
		}
	})
}

// FuzzDecodeStart: the start endpoint's answer decodes or fails with
// ErrBadFrame; a decoded answer always has the endpoint and connection id.
func FuzzDecodeStart(f *testing.F) {
	ok, _ := proto.Marshal(&cp.StartResponse{ConnectionId: "c", GatewayEndpoint: "ws://x/v0/connect", GatewayGroup: "g", SessionToken: "s", SyncToken: "t"})
	f.Add(ok)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeStart(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadFrame)
			return
		}
		require.NotEmpty(t, r.GatewayEndpoint)
		require.NotEmpty(t, r.ConnectionId)
	})
}

func isGatewayInputError(err error) bool {
	return errors.Is(err, ErrBadFrame) || errors.Is(err, ErrUnknownKind)
}
