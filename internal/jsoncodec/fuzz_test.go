package jsoncodec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/fuzzvalue"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// The types below hold the shapes on which JSON codecs are known to differ.

// textKey is a map key encoded through MarshalText; "err" fails.
type textKey string

func (k textKey) MarshalText() ([]byte, error) {
	if k == "err" {
		return nil, errors.New("textKey: err")
	}
	return []byte("k:" + string(k)), nil
}

func (k *textKey) UnmarshalText(b []byte) error {
	s, ok := strings.CutPrefix(string(b), "k:")
	if !ok {
		return errors.New("textKey: no k: prefix")
	}
	*k = textKey(s)
	return nil
}

// rawMarshaler writes Out as its JSON (valid or not), or fails.
type rawMarshaler struct {
	Out string
	Err bool
}

func (m rawMarshaler) MarshalJSON() ([]byte, error) {
	if m.Err {
		return nil, errors.New("rawMarshaler: err")
	}
	return []byte(m.Out), nil
}

// ptrMarshaler has a pointer-receiver MarshalJSON, called only when addressable.
type ptrMarshaler struct{ N int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`{"p":%d}`, p.N)), nil
}

// textVal is a value encoded through MarshalText.
type textVal struct {
	S   string
	Err bool
}

func (v textVal) MarshalText() ([]byte, error) {
	if v.Err {
		return nil, errors.New("textVal: err")
	}
	return []byte(v.S), nil
}

// zeroer has its own IsZero, which omitzero calls.
type zeroer struct{ N int }

func (z zeroer) IsZero() bool { return z.N%2 == 0 }

// strictUnmarshaler refuses objects.
type strictUnmarshaler struct{ Got string }

func (u *strictUnmarshaler) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return errors.New("strictUnmarshaler: no objects")
	}
	u.Got = string(b)
	return nil
}

type inner struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
}

type Conflict1 struct {
	X int
	Y string `json:"y"`
}

type Conflict2 struct {
	X int
	Y string `json:"y"`
	W bool
}

type embedPriv struct{ Q int }

type embedded struct {
	inner
	*Conflict1
	Conflict2
	*embedPriv
	Z int `json:"z,string"`
}

type rich struct {
	D       time.Duration            `json:"d"`
	DP      *time.Duration           `json:"dp,omitempty"`
	T       time.Time                `json:"t"`
	TZ      time.Time                `json:"tz,omitzero"`
	TP      *time.Time               `json:"tp"`
	Any     any                      `json:"any"`
	Anys    []any                    `json:"anys,omitempty"`
	IntMap  map[int]string           `json:"int_map"`
	UintMap map[uint8]bool           `json:"uint_map,omitempty"`
	TextMap map[textKey]int          `json:"text_map"`
	StrMap  map[string]any           `json:"str_map,omitzero"`
	DurMap  map[string]time.Duration `json:"dur_map"`
	Emb     embedded                 `json:"emb"`
	Ptr     *inner                   `json:"ptr,omitempty"`
	OZ      inner                    `json:"oz,omitzero"`
	OE      []int                    `json:",omitempty"`
	S       string                   `json:"s,string"`
	I       int64                    `json:"i,string"`
	F       float64                  `json:"f"`
	F32     float32                  `json:"f32"`
	FS      float64                  `json:"fs,string"`
	B       bool                     `json:",string"`
	U       uint64                   `json:"u"`
	I8      int8                     `json:"i8"`
	Num     json.Number              `json:"num"`
	NumS    json.Number              `json:"nums,string"`
	Raw     json.RawMessage          `json:"raw"`
	RawP    *json.RawMessage         `json:"rawp,omitempty"`
	Bytes   []byte                   `json:"bytes"`
	Arr     [2]byte                  `json:"arr"`
	M       rawMarshaler             `json:"m"`
	MP      *rawMarshaler            `json:"mp"`
	PM      ptrMarshaler             `json:"pm"`
	PMs     []ptrMarshaler           `json:"pms"`
	TV      textVal                  `json:"tv"`
	Zero    zeroer                   `json:"zero,omitzero"`
	ZeroP   *zeroer                  `json:"zerop,omitzero"`
	Strict  strictUnmarshaler        `json:"strict"`
	Self    *rich                    `json:"self,omitempty"`
	Dash    string                   `json:"-"`
	//lint:ignore SA5008 a field named "-" is one of the shapes under test
	DashComma string `json:"-,"`
	Case      string `json:"CaSe"`
}

var menuStrings = []string{"", "err", "<a&b>", "\u2028\u2029", "\xff\xfe", "é", `"q"`, "null", "1", " 1 ", "{", `{"a":1}`, `[1, 2]`, `"\ud800"`, "tru", "k:x", "1e400"}

// fuzzAny is the menu for interface fields: the default one plus the types above.
func fuzzAny(s *fuzzvalue.Source, depth int) any {
	if depth >= 3 {
		return nil
	}
	switch s.Pick(16) {
	case 9:
		var v rich
		s.FillAt(&v, depth+1)
		return v
	case 1:
		var v rawMarshaler
		s.FillAt(&v, depth+1)
		return v
	case 2:
		var v textVal
		s.FillAt(&v, depth+1)
		return v
	case 3:
		return &ptrMarshaler{N: s.Pick(9)}
	case 4:
		return ptrMarshaler{N: s.Pick(9)}
	case 5:
		var v map[textKey]any
		s.FillAt(&v, depth+1)
		return v
	case 6:
		var v embedded
		s.FillAt(&v, depth+1)
		return v
	}
	return s.AnyValue(depth)
}

func source(data []byte) *fuzzvalue.Source {
	s := fuzzvalue.New(data)
	s.Any = fuzzAny
	s.Strings = menuStrings
	return s
}

// decodeTargets make fresh values to decode into.
var decodeTargets = []func() any{
	func() any { return new(rich) },
	func() any { return new(embedded) },
	func() any { return new(any) },
	func() any { return new(map[string]any) },
	func() any { return new([]any) },
	func() any { return new(time.Duration) },
	func() any { return new(time.Time) },
	func() any { return new(map[int]string) },
	func() any { return new(map[textKey]int) },
	func() any { return new(json.Number) },
	func() any { return new(json.RawMessage) },
	func() any { return new([]byte) },
	func() any { return new(float64) },
	func() any { return new(string) },
	func() any { return new(struct{ Data rich }) },
	func() any { return new(wire.CallRequest) },
}

// sameError requires both errors nil, or both of the same type with the same
// message.
func sameError(t *testing.T, want, got error, what string) {
	t.Helper()
	if want == nil {
		require.NoError(t, got, what)
		return
	}
	require.Error(t, got, "%s: encoding/json: %v", what, want)
	require.Equal(t, fmt.Sprintf("%T", want), fmt.Sprintf("%T", got), what)
	require.Equal(t, want.Error(), got.Error(), what)
}

// checkDecode decodes data into every target with both codecs.
func checkDecode(t *testing.T, data []byte) {
	for _, mk := range decodeTargets {
		want, got := mk(), mk()
		errWant := json.Unmarshal(data, want)
		errGot := jsoncodec.Unmarshal(data, got)
		what := fmt.Sprintf("decode %q into %T", data, want)
		sameError(t, errWant, errGot, what)
		require.True(t, reflect.DeepEqual(want, got), "%s: %#v != %#v", what, want, got)

		dec := jsoncodec.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		got = mk()
		errGot = dec.Decode(got)
		std := json.NewDecoder(bytes.NewReader(data))
		std.UseNumber()
		want = mk()
		errWant = std.Decode(want)
		sameError(t, errWant, errGot, "Decoder: "+what)
		require.True(t, reflect.DeepEqual(want, got), "Decoder: %s", what)
	}
	require.Equal(t, json.Valid(data), jsoncodec.Valid(data))
	var a, b bytes.Buffer
	sameError(t, json.Indent(&a, data, ">", "\t"), jsoncodec.Indent(&b, data, ">", "\t"), "Indent")
	require.Equal(t, a.String(), b.String())
}

// checkCallRequest requires UnmarshalWire (the envelope's codec) to give what
// encoding/json gives for a call body.
func checkCallRequest(t *testing.T, body []byte) {
	var want, got wire.CallRequest
	errWant := json.Unmarshal(body, &want)
	errGot := wire.DecodeCallRequest(body, &got)
	require.Equal(t, errWant == nil, errGot == nil, "call body %q: encoding/json %v, SDK %v", body, errWant, errGot)
	if errWant != nil {
		return
	}
	require.Equal(t, len(want.Steps), len(got.Steps))
	for k, v := range want.Steps {
		require.Equal(t, string(v), string(got.Steps[k]), "step %q", k)
	}
	want.Steps, got.Steps = nil, nil
	require.Equal(t, want, got)
}

// checkValue encodes v with both codecs, then replays the SDK's memo path: the
// value as a memoized step in a call body, decoded by wire.DecodeCallRequest, the
// memo decoded into v's type.
func checkValue(t *testing.T, v any) {
	want, errWant := json.Marshal(v)
	got, errGot := jsoncodec.Marshal(v)
	sameError(t, errWant, errGot, fmt.Sprintf("Marshal %#v", v))
	require.Equal(t, string(want), string(got))

	wantInd, errWant := json.MarshalIndent(v, "", "  ")
	gotInd, errGot := jsoncodec.MarshalIndent(v, "", "  ")
	sameError(t, errWant, errGot, "MarshalIndent")
	require.Equal(t, string(wantInd), string(gotInd))

	var a, b bytes.Buffer
	ea, eb := json.NewEncoder(&a), jsoncodec.NewEncoder(&b)
	ea.SetEscapeHTML(false)
	eb.SetEscapeHTML(false)
	sameError(t, ea.Encode(v), eb.Encode(v), "Encoder")
	require.Equal(t, a.String(), b.String())

	if errWant != nil {
		return
	}
	checkDecode(t, got)

	memo := `{"data":` + string(got) + `}`
	body := []byte(`{"ctx":{"run_id":"r","stack":{"stack":["h"]}},"steps":{"h":` + memo + `},"event":{"name":"x","data":` + string(got) + `}}`)
	checkCallRequest(t, body)
	var req wire.CallRequest
	require.NoError(t, wire.DecodeCallRequest(body, &req))
	require.Equal(t, memo, string(req.Steps["h"]))
	typ := reflect.TypeOf(v)
	if typ == nil {
		return
	}
	memoType := reflect.StructOf([]reflect.StructField{{Name: "Data", Type: typ, Tag: `json:"data"`}})
	wantV, gotV := reflect.New(memoType), reflect.New(memoType)
	sameError(t, json.Unmarshal([]byte(memo), wantV.Interface()), jsoncodec.Unmarshal(req.Steps["h"], gotV.Interface()), "memo")
	require.True(t, reflect.DeepEqual(wantV.Interface(), gotV.Interface()), "memo %s", memo)
}

// FuzzCodecMatchesEncodingJSON builds values of many shapes from the input and
// requires the SDK's encoding (and its replay of a memoized step) to be
// encoding/json's: the same bytes, the same errors. It also decodes the input
// itself into many target types, and as a call body, with both.
func FuzzCodecMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		"", "\x00", "\x01\x02\x03", `{"d":"5s","tz":"0001-01-01T00:00:00Z","int_map":{"1":"a","x":"b"}}`,
		`{"emb":{"X":1,"y":"s","Q":2,"z":"3"},"text_map":{"k:a":1,"b":2}}`, `{"s":"\"x\"","i":"12","fs":"1e3","B":"true","nums":"1.5"}`,
		`{"t":"10000-01-01T00:00:00Z"}`, `{"strict":{"a":1}}`, `{"ctx":{"stack":{"stack":["a"]}},"steps":{"a":{"data":1}}}`,
		`[1,2,{"a":null}]`, `"\ud800"`, "\"\xff\"", `1e400`, `{"CASE":"c","case":"d"}`, `{"bytes":"AQI=","arr":[1,2,3]}`,
		strings.Repeat("\xff", 64), strings.Repeat("\x07", 200),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
		checkCallRequest(t, data)
		var r rich
		source(data).Fill(&r)
		checkValue(t, r)
		checkValue(t, &r)
		var e embedded
		source(data).Fill(&e)
		checkValue(t, e)
		checkValue(t, fuzzAny(source(data), 0))
		checkValue(t, []any{r.Any, r.D, r.TP})
		checkValue(t, map[textKey]any{"a": r.Any, textKey(r.S): r.M})
	})
}
