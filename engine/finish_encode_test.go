package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEventJSONEncode checks that the direct encoding of lifecycle events
// writes what encodeCanonical writes.
func TestEventJSONEncode(t *testing.T) {
	t.Parallel()
	data := json.RawMessage(`{"_inngest":{"status":"Completed"},"event":{"data":{"s":"a<b>&\u2028"},"name":"x"},"run_id":"r"}`)
	tests := []eventJSON{
		{Data: data, ID: "01KABCDEF", Name: "inngest/function.finished", TS: 1700000000000, User: json.RawMessage("{}")},
		{Data: data, ID: "01KABCDEF", Name: "inngest/function.failed", TS: 1, User: json.RawMessage(`{"a":1}`), V: "2024-01-01.1"},
		{Data: json.RawMessage(`{}`), ID: `needs "escaping"`, Name: "é", TS: -5, User: json.RawMessage("{}")},
		{Data: json.RawMessage(`{}`), ID: "tab\there", Name: `back\slash`, User: json.RawMessage("{}")},
	}
	for _, ev := range tests {
		want, err := encodeCanonical(ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(ev.encode()))
	}
}

// TestMayBeLifecycle checks that the quick test never misses a lifecycle
// event, however its name is spelled.
func TestMayBeLifecycle(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`{"data":{},"name":"inngest/function.finished"}`,
		`{"data":{},"name":"inngest/function.failed"}`,
		`{"data":{},"name":"inngest\/function.failed"}`,
		`{"data":{},"name":"inngest/\u0066unction.finished"}`,
	} {
		require.True(t, mayBeLifecycle(json.RawMessage(raw)), raw)
	}
	require.False(t, mayBeLifecycle(json.RawMessage(`{"data":{"k":1},"name":"load/run.start"}`)))
}

// TestCanonicalEvent checks that an accepted event is stored as before
// (encodeCanonical, then canonical), whitespace, escapes and invalid I-JSON
// included.
func TestCanonicalEvent(t *testing.T) {
	t.Parallel()
	tests := []eventJSON{
		{Data: json.RawMessage(` { "b" : 1, "a" : [ 1.50, "x\u0041" ] } `), ID: "01KABC", Name: "app/x", TS: 5, User: json.RawMessage(`{}`)},
		{Data: json.RawMessage(`{"k":"<&>"}`), ID: `my "id"`, Name: "app/é", TS: 5, User: json.RawMessage(`{ "z": null }`), V: "1"},
		{Data: json.RawMessage(`{"a":1,"a":2}`), ID: "dup", Name: "app/x", User: json.RawMessage(`{}`)},
		{Data: json.RawMessage(`{"n":1e400}`), ID: "big", Name: "app/x", User: json.RawMessage(`{}`)},
	}
	for _, ev := range tests {
		raw, _ := encodeCanonical(ev)
		require.Equal(t, string(canonical(raw)), string(canonicalEvent(ev)), "%s", ev.Data)
	}
}

func FuzzCanonicalEvent(f *testing.F) {
	for _, s := range []string{`{"a":1}`, ` { "b" : [1.5e3, "\u00e9"] } `, `{"a":1,"a":2}`, `{"n":1e400}`, `{}`} {
		f.Add([]byte(s), "01KABC", "app/x")
	}
	f.Fuzz(func(t *testing.T, data []byte, id, name string) {
		if !json.Valid(data) {
			return // sendRaw accepts only valid data
		}
		ev := eventJSON{Data: data, ID: id, Name: name, TS: 1, User: json.RawMessage(`{}`)}
		raw, _ := encodeCanonical(ev)
		require.Equal(t, string(canonical(raw)), string(canonicalEvent(ev)))
	})
}
