package connectproto

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestRecordingsDecode reads every recording of the real gateway in
// testdata/connect and decodes each frame's payload into the message its kind
// names: a kind we do not know, or a field the real gateway sent that our
// .proto lacks (protojson refuses unknown fields), fails here.
func TestRecordingsDecode(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "connect", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4)
	kinds := map[string]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var rec struct {
			Frames []struct {
				From    string          `json:"from"`
				Kind    string          `json:"kind"`
				Payload json.RawMessage `json:"payload"`
			} `json:"frames"`
		}
		require.NoError(t, json.Unmarshal(raw, &rec), f)
		require.NotEmpty(t, rec.Frames, f)
		for i, fr := range rec.Frames {
			require.Contains(t, []string{"gateway", "worker"}, fr.From)
			k, ok := GatewayMessageType_value[fr.Kind]
			require.True(t, ok, "%s frame %d: unknown kind %q", f, i, fr.Kind)
			kinds[fr.Kind]++
			m := NewPayload(GatewayMessageType(k))
			if len(fr.Payload) == 0 {
				continue
			}
			require.NotNil(t, m, "%s frame %d: %s has a payload", f, i, fr.Kind)
			require.NoError(t, protojson.Unmarshal(fr.Payload, m), "%s frame %d", f, i)
		}
	}
	for _, k := range []string{"GATEWAY_HELLO", "WORKER_CONNECT", "GATEWAY_CONNECTION_READY", "GATEWAY_EXECUTOR_REQUEST",
		"WORKER_REQUEST_ACK", "WORKER_REQUEST_EXTEND_LEASE", "WORKER_REQUEST_EXTEND_LEASE_ACK", "WORKER_REPLY",
		"WORKER_REPLY_ACK", "WORKER_HEARTBEAT", "GATEWAY_HEARTBEAT", "WORKER_PAUSE", "WORKER_STATUS"} {
		require.Positive(t, kinds[k], k)
	}
}
