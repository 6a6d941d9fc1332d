// Package jsoncodec is the module's one JSON codec: every JSON encode and decode
// outside tests (protocol envelopes, memoized step results, users' values, the
// engine's store and API, the test kit) goes through these functions, so the codec
// is chosen in one place. Types (json.RawMessage, json.Marshaler, json.Number, the
// error types) are encoding/json's own, unchanged.
//
// The codec is github.com/segmentio/encoding/json, a drop-in replacement for
// encoding/json that is tested against the standard library's own test suite. It
// keeps encoding/json's semantics: struct tags, omitempty, json.Marshaler and
// json.Unmarshaler, HTML escaping, sorted map keys, invalid UTF-8 replaced by
// U+FFFD, the same error types. It decodes a call's memoized steps about 4× faster
// than encoding/json with fewer allocations (bench/README.md,
// BenchmarkCallFloorSDKCodec against BenchmarkCallFloor), in one pass where
// encoding/json validates the whole input before decoding it.
//
// Differences known to us: error messages can be worded differently; when
// Unmarshal fails with a json.UnmarshalTypeError, the fields it had not reached are
// left as they were (encoding/json goes on and fills the rest as best it can), so
// a value that failed to decode must not be used, as anywhere; and a Decoder does
// not stream the elements of an array through Token/More (the module reads whole
// values only). Cost to know: decoding a JSON object into a nil map[string]any (or
// into an any) makes a map sized for 64 keys, about 5 KiB, where encoding/json
// grows it from empty; hot paths that decode small objects use Object.
package jsoncodec

import (
	"bytes"
	"io"

	segjson "github.com/segmentio/encoding/json"
)

// Marshal returns the JSON encoding of v, as encoding/json.Marshal.
func Marshal(v any) ([]byte, error) { return segjson.Marshal(v) }

// MarshalIndent is Marshal with each element on its own line, as
// encoding/json.MarshalIndent.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	return segjson.MarshalIndent(v, prefix, indent)
}

// Unmarshal decodes data into v, as encoding/json.Unmarshal.
func Unmarshal(data []byte, v any) error { return segjson.Unmarshal(data, v) }

// Valid reports whether data is one valid JSON value, as encoding/json.Valid.
func Valid(data []byte) bool { return segjson.Valid(data) }

// Indent appends to dst an indented form of the JSON value src, as
// encoding/json.Indent.
func Indent(dst *bytes.Buffer, src []byte, prefix, indent string) error {
	return segjson.Indent(dst, src, prefix, indent)
}

// Encoder writes JSON values to a stream, as encoding/json.Encoder.
type Encoder = segjson.Encoder

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return segjson.NewEncoder(w) }

// Decoder reads JSON values from a stream, as encoding/json.Decoder (without
// Token streaming of arrays, see the package doc).
type Decoder = segjson.Decoder

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return segjson.NewDecoder(r) }

// Object is a JSON object decoded into a map sized for the keys it holds: the
// codec would make a map for 64 keys (about 5 KiB) for a nil map[string]any. Use it
// for objects decoded on hot paths that are usually small or empty, such as an
// event's user object. null decodes to nil, as for a map.
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
