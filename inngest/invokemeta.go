package inngest

import (
	"bytes"
	"encoding/json"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// invokeMetaKey is the member the server adds to the data of an
// inngest/function.invoked event: the invocation's correlation id, expiry,
// target function and trace context, not part of the caller's payload.
const invokeMetaKey = "_inngest"

// withoutInvokeMeta wraps decode so that an invoked event's data loses its
// "_inngest" object before validation and decoding: a function whose data is
// a map of scalars (map[string]string) would otherwise fail to decode it, and a
// schema with typed additional properties would refuse it. Other events, and
// invoked events without the key, are passed on unchanged and uncopied.
func withoutInvokeMeta[T any](decode func([]byte) (events.Event[T], error)) func([]byte) (events.Event[T], error) {
	return func(raw []byte) (events.Event[T], error) {
		return decode(stripInvokeMeta(raw))
	}
}

// stripInvokeMeta returns raw without data._inngest if raw is an invoked event
// that has one, else raw itself (also when raw is not an object: the decoder
// reports that).
func stripInvokeMeta(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`"`+invokeMetaKey+`"`)) {
		return raw
	}
	var env map[string]json.RawMessage
	if jsoncodec.Unmarshal(raw, &env) != nil {
		return raw
	}
	var name string
	if jsoncodec.Unmarshal(env["name"], &name) != nil || name != wire.EventFunctionInvoked {
		return raw
	}
	var data map[string]json.RawMessage
	if jsoncodec.Unmarshal(env["data"], &data) != nil {
		return raw
	}
	if _, ok := data[invokeMetaKey]; !ok {
		return raw
	}
	delete(data, invokeMetaKey)
	b, err := jsoncodec.Marshal(data)
	if err != nil {
		return raw
	}
	env["data"] = b
	if b, err = jsoncodec.Marshal(env); err != nil {
		return raw
	}
	return b
}
