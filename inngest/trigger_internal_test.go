package inngest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDecodePlain checks the unvalidated decoder (used once a run started) gives
// encoding/json's result and costs a small event little memory: the codec used to
// size a map for 64 keys for every "user":{}. Not parallel: it measures the heap.
func TestDecodePlain(t *testing.T) {
	type data struct {
		N int `json:"n"`
	}
	raw := []byte(`{"name":"app/x","data":{"n":1},"id":"01J","ts":5,"user":{},"v":"2"}`)
	ev, err := decodePlain[data](raw)
	require.NoError(t, err)
	require.Equal(t, "app/x", ev.Name)
	require.Equal(t, "01J", ev.ID)
	require.Equal(t, data{N: 1}, ev.Data)
	require.Equal(t, int64(5), ev.TS)
	require.Equal(t, "2", ev.V)
	require.NotNil(t, ev.User)
	require.Empty(t, ev.User)

	ev, err = decodePlain[data]([]byte(`{"name":"app/x","data":{"n":1},"user":{"a":1}}`))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": 1.0}, ev.User)
	ev, err = decodePlain[data]([]byte(`{"name":"app/x","data":{"n":1}}`))
	require.NoError(t, err)
	require.Nil(t, ev.User)
	_, err = decodePlain[data]([]byte(`{"name":"app/x","data":{"n":"x"}}`))
	require.Error(t, err)

	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePlain[data](raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	require.Less(t, res.AllocedBytesPerOp(), int64(2048))
}
