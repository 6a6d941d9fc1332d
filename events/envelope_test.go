package events_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

type note struct {
	Text string `json:"text"`
}

var noteAdded = events.Define[note]("app/note.added")

func TestEnvelopeMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  events.Envelope
		want string
	}{
		{"minimal", events.Envelope{Name: "app/x.y", Data: json.RawMessage(`{"a":1}`)}, `{"name":"app/x.y","data":{"a":1}}`},
		{"empty data", events.Envelope{Name: "app/x.y"}, `{"name":"app/x.y","data":{}}`},
		{"blank data", events.Envelope{Name: "app/x.y", Data: json.RawMessage(" ")}, `{"name":"app/x.y","data":{}}`},
		{"compacted", events.Envelope{Name: "app/x.y", Data: json.RawMessage("{ \"a\" : [1, 2] }")}, `{"name":"app/x.y","data":{"a":[1,2]}}`},
		{
			"all fields",
			events.Envelope{ID: "id-1", Name: "app/x.y", Data: json.RawMessage(`{}`), User: map[string]any{"id": "u"}, TS: 1767225600123, V: "2026-01"},
			`{"name":"app/x.y","data":{},"id":"id-1","user":{"id":"u"},"ts":1767225600123,"v":"2026-01"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.env)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(b))
		})
	}
	_, err := json.Marshal(events.Envelope{Name: "app/x.y", Data: json.RawMessage(`{`)})
	require.Error(t, err)
}

func TestEnvelopeUnmarshal(t *testing.T) {
	t.Parallel()
	var env events.Envelope
	require.NoError(t, json.Unmarshal([]byte(`{"name":"app/x.y","user":{},"ts":5,"id":"i","v":"1"}`), &env))
	require.Equal(t, events.Envelope{ID: "i", Name: "app/x.y", Data: json.RawMessage(`{}`), User: map[string]any{}, TS: 5, V: "1"}, env)
	require.Error(t, json.Unmarshal([]byte(`{"name":5}`), &env))
}

func TestSendables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   events.Sendable
		want string
		err  string
	}{
		{"event", noteAdded.New(note{Text: "hi"}), `{"name":"app/note.added","data":{"text":"hi"}}`, ""},
		{"event fields", events.Event[note]{ID: "k", Name: "app/note.added", Data: note{Text: "a<b"}, TS: 7, V: "1"},
			`{"name":"app/note.added","data":{"text":"a\u003cb"},"id":"k","ts":7,"v":"1"}`, ""},
		{"literal event is not validated", events.Event[map[string]int]{Name: "app/n.n", Data: map[string]int{"a": 1}}, `{"name":"app/n.n","data":{"a":1}}`, ""},
		{"nil map data", events.Event[map[string]int]{Name: "app/n.n"}, `{"name":"app/n.n","data":{}}`, ""},
		{"raw", events.Raw{Name: "Legacy Event", Data: map[string]any{"x": true}, User: map[string]any{"id": 1}}, `{"name":"Legacy Event","data":{"x":true},"user":{"id":1}}`, ""},
		{"raw nil data", events.Raw{Name: "app/a.b"}, `{"name":"app/a.b","data":{}}`, ""},
		{"raw message", events.Raw{Name: "app/a.b", Data: json.RawMessage(`{"k":"v"}`)}, `{"name":"app/a.b","data":{"k":"v"}}`, ""},
		{"envelope", events.Envelope{Name: "app/a.b"}, `{"name":"app/a.b","data":{}}`, ""},
		{"raw no name", events.Raw{Data: map[string]any{}}, "", "needs a name"},
		{"raw array", events.Raw{Name: "app/a.b", Data: []int{1}}, "", `inngest: event "app/a.b" data invalid: /: data must be a JSON object, got array`},
		{"raw unmarshalable", events.Raw{Name: "app/a.b", Data: math.Inf(1)}, "", "marshal data"},
		{"empty string is valid", noteAdded.New(note{}), `{"name":"app/note.added","data":{"text":""}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := tt.in.Envelope()
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			b, err := json.Marshal(env)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(b))
		})
	}
}

func TestEventEnvelopeValidates(t *testing.T) {
	t.Parallel()
	type strict struct {
		Email string `json:"email" jsonschema:"minLength=3"`
	}
	d := events.Define[strict]("app/strict.checked")
	_, err := d.New(strict{Email: "x"}).Envelope()
	require.ErrorIs(t, err, events.ErrInvalidData)
	require.EqualError(t, err, `inngest: event "app/strict.checked" data invalid: /email: length 1 is less than minLength 3`)

	_, err = events.Define[strict]("app/strict.checked", events.WithoutValidation()).New(strict{Email: "x"}).Envelope()
	require.NoError(t, err)
}

// TestDecodeEventMemory bounds the memory one small event costs to decode: the
// codec sizes a map for 64 keys unless told otherwise, which cost every call
// ~5 KiB for its "user":{} object. Not parallel: it measures the heap.
func TestDecodeEventMemory(t *testing.T) {
	raw := []byte(`{"name":"app/note.added","data":{"text":"hi"},"id":"01JBENCHEVENT0000000000000","ts":1700000000000,"user":{}}`)
	for name, decode := range map[string]func() error{
		"Definition.Decode": func() error { _, err := noteAdded.Decode(raw); return err },
		"Envelope":          func() error { var e events.Envelope; return json.Unmarshal(raw, &e) },
	} {
		res := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := decode(); err != nil {
					b.Fatal(err)
				}
			}
		})
		require.Less(t, res.AllocedBytesPerOp(), int64(2048), "%s: %d B/op", name, res.AllocedBytesPerOp())
	}
	ev, err := noteAdded.Decode(raw)
	require.NoError(t, err)
	require.NotNil(t, ev.User)
	require.Empty(t, ev.User)
	ev, err = noteAdded.Decode([]byte(`{"name":"app/note.added","data":{"text":"hi"},"user":{"a":{"b":1}}}`))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": map[string]any{"b": 1.0}}, ev.User)
	ev, err = noteAdded.Decode([]byte(`{"name":"app/note.added","data":{"text":"hi"},"user":null}`))
	require.NoError(t, err)
	require.Nil(t, ev.User)
	_, err = noteAdded.Decode([]byte(`{"name":"app/note.added","data":{"text":"hi"},"user":"x"}`))
	require.Error(t, err)
}
