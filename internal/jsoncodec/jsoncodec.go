// Package jsoncodec is the module's one JSON codec: every JSON encode and decode
// outside tests (protocol envelopes, memoized step results, users' values, the
// engine's store and API, the test kit) goes through these functions, so the codec
// is chosen in one place. Types (json.RawMessage, json.Marshaler, json.Number, the
// error types) are encoding/json's own, unchanged.
//
// Marshal, Unmarshal, MarshalIndent, Valid, Indent, Encoder and Decoder are
// encoding/json itself: every user value (event data, step results and their
// memos, invoke data and results, function input and output, anything a user
// types) encodes to the bytes encoding/json writes and decodes to the value it
// gives, with the same errors (types and messages), because it is the same code.
// FuzzCodecMatchesEncodingJSON holds every function here to that, on values of
// many shapes built from the fuzz input and on the memo replay path.
//
// UnmarshalWire is the one exception, a faster decoder
// (github.com/segmentio/encoding/json) for the call request envelope only
// (internal/wire.DecodeCallRequest), whose Go types are the module's own and whose
// user parts (the event, the memoized steps) stay json.RawMessage, decoded later by
// Unmarshal. It is not used for user types because it differs from encoding/json
// there: it writes a time.Duration as a string ("5s") and reads one back from
// one, ignores omitzero, encodes a time.Time that encoding/json refuses (year
// outside [0,9999]), and leaves fields unfilled after a json.UnmarshalTypeError.
// On the envelope type it gives what encoding/json gives (FuzzDecodeCallRequest in
// bench/ and FuzzCodecMatchesEncodingJSON compare the two; only the message of
// the error for a body that is not valid JSON is worded differently, and serve
// answers 400 either way), and it is faster: one pass where encoding/json first
// validates the whole body, then decodes it (bench/README.md).
package jsoncodec

import (
	"bytes"
	"encoding/json"
	"io"

	segjson "github.com/segmentio/encoding/json"
)

// Marshal returns the JSON encoding of v: encoding/json.Marshal.
func Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// MarshalIndent is Marshal with each element on its own line:
// encoding/json.MarshalIndent.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	return json.MarshalIndent(v, prefix, indent)
}

// Unmarshal decodes data into v: encoding/json.Unmarshal.
func Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// UnmarshalWire decodes data into v, a module-owned envelope type whose user values
// are json.RawMessage fields, with the faster codec (see the package doc). Never
// pass a user type: decode the user parts with Unmarshal.
func UnmarshalWire(data []byte, v any) error { return segjson.Unmarshal(data, v) }

// Valid reports whether data is one valid JSON value: encoding/json.Valid.
func Valid(data []byte) bool { return json.Valid(data) }

// Indent appends to dst an indented form of the JSON value src:
// encoding/json.Indent.
func Indent(dst *bytes.Buffer, src []byte, prefix, indent string) error {
	return json.Indent(dst, src, prefix, indent)
}

// Encoder writes JSON values to a stream: encoding/json.Encoder.
type Encoder = json.Encoder

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return json.NewEncoder(w) }

// Decoder reads JSON values from a stream: encoding/json.Decoder.
type Decoder = json.Decoder

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return json.NewDecoder(r) }

// Object is a JSON object decoded into a map sized for the keys it holds, as
// map[string]any decodes. null decodes to nil, as for a map. (It predates the
// switch to encoding/json, whose maps already grow from empty; it is kept so that
// the types using it need not change.)
type Object map[string]any

// UnmarshalJSON implements json.Unmarshaler.
func (o *Object) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = nil
		return nil
	}
	m := map[string]any{}
	if err := Unmarshal(b, &m); err != nil {
		return err
	}
	*o = m
	return nil
}
