package bench

import (
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

// BenchmarkEventDecode measures the decoding of a function's input event (done once
// per call): events.Definition.Decode with schema validation (the default), without,
// and plain encoding/json into the same shape, for the small trigger event of the
// call benchmarks and for a ~1 KB one.
func BenchmarkEventDecode(b *testing.B) {
	small := mustEvent(b, order{OrderID: "o-1", Amount: 1200})
	large := mustEvent(b, makePayload(1))
	b.Run("small/validated", benchDecode(small, orderCreated.Decode))
	b.Run("small/unvalidated", benchDecode(small, events.Define[order]("bench/order.raw", events.WithoutValidation()).Decode))
	b.Run("small/encoding-json", benchDecode(small, plainDecode[order]))
	b.Run("1KB/validated", benchDecode(large, events.Define[payload]("bench/payload.created").Decode))
	b.Run("1KB/unvalidated", benchDecode(large, events.Define[payload]("bench/payload.raw", events.WithoutValidation()).Decode))
	b.Run("1KB/encoding-json", benchDecode(large, plainDecode[payload]))
}

func mustEvent(tb testing.TB, data any) []byte {
	raw, err := json.Marshal(map[string]any{"data": data, "id": "01JBENCHEVENT0000000000000", "name": "bench/order.created", "ts": 1700000000000, "user": map[string]any{}})
	require.NoError(tb, err)
	return raw
}

type plainEvent[T any] struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Data T               `json:"data"`
	User json.RawMessage `json:"user"`
	TS   int64           `json:"ts"`
}

func plainDecode[T any](raw []byte) (plainEvent[T], error) {
	var ev plainEvent[T]
	err := json.Unmarshal(raw, &ev)
	return ev, err
}

func benchDecode[E any](raw []byte, decode func([]byte) (E, error)) func(*testing.B) {
	return func(b *testing.B) {
		if _, err := decode(raw); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decode(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
