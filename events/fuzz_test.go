package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

// fuzzData has no numbers or times, so any data the validator accepts must
// also unmarshal into it: a strong check of the validator against
// encoding/json.
type fuzzData struct {
	Name     string          `json:"name" jsonschema:"maxLength=40"`
	Kind     string          `json:"kind,omitempty" jsonschema:"enum=a,enum=b"`
	On       bool            `json:"on"`
	Tags     []string        `json:"tags,omitempty"`
	Flags    map[string]bool `json:"flags,omitempty"`
	Child    *fuzzData       `json:"child,omitempty"`
	Children []*fuzzData     `json:"children,omitempty"`
	Extra    any             `json:"extra,omitempty"`
}

var (
	fuzzDef = events.Define[fuzzData]("app/fuzz.data")
	anyDef  = events.Define[any]("app/any.data")
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		`{"name":"x","on":true}`,
		`{"name":"x","on":false,"kind":"a","tags":["a","b"],"flags":{"k":true},"child":{"name":"y","on":true},"children":[null,{"name":"z","on":false}]}`,
		`{"name":"\u00e9\"\\","on":true,"extra":[1,2.5e-3,{"a":null},"s",true]}`,
		`{"name":1}`,
		`{"name":"x","on":true,"child":{"name":"y"}}`,
		`{"name":"x","on":true,"NAME":5,"Child":{"on":1}}`,
		`[{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}]`,
		`{"a":"\ud83d\ude00","b":-0.0e+1,"c":1E9}`,
		`{"a":1,}`, `{"a" 1}`, `"\x"`, `01`, `-`, `1.`, `tru`, `nul`, `{"a":"\u12"}`, "\"\x01\"",
	} {
		f.Add([]byte(s))
	}
}

func FuzzValidateJSON(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := fuzzDef.ValidateJSON(data)
		if err == nil {
			var v fuzzData
			require.NoError(t, json.Unmarshal(data, &v), "accepted data must decode: %q", data)
			require.True(t, json.Valid(data))
		} else {
			require.ErrorIs(t, err, events.ErrInvalidData)
		}
		// With an any schema, only syntax (and the depth limit) matters.
		anyErr := anyDef.ValidateJSON(data)
		if anyErr == nil {
			require.True(t, json.Valid(data), "accepted invalid JSON %q", data)
		} else if !strings.Contains(anyErr.Error(), "nested deeper") {
			require.False(t, json.Valid(data), "refused valid JSON %q: %v", data, anyErr)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, raw := range wireEvents(f) {
		f.Add(raw)
	}
	f.Add([]byte(`{"name":"app/fuzz.data","data":{"name":"x","on":true},"user":{},"ts":1767225600000,"id":"a","v":"1"}`))
	f.Add([]byte(`{"name":"app/fuzz.data"}`))
	f.Add([]byte(`{"name":"app/fuzz.data","data":null,"ts":1.5}`))
	f.Add([]byte(`{"name":"","data":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := fuzzDef.Decode(raw)
		if err != nil {
			return
		}
		require.NotEmpty(t, ev.Name)
		// A decoded event re-encodes and passes its own validation again.
		env, err := ev.Envelope()
		require.NoError(t, err, "input %q", raw)
		_, err = json.Marshal(env)
		require.NoError(t, err)
		_, _ = anyDef.Decode(raw)
	})
}
