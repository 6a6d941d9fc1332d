package events_test

import (
	"testing"

	"github.com/invopop/jsonschema"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

// shape has a hand-written schema using anyOf, oneOf and allOf, which the
// reflector never emits for plain structs.
type shape struct{}

func (shape) JSONSchema() *jsonschema.Schema {
	obj := func(req string) *jsonschema.Schema {
		props := jsonschema.NewProperties()
		props.Set(req, &jsonschema.Schema{Type: "integer"})
		return &jsonschema.Schema{Type: "object", Properties: props, Required: []string{req}}
	}
	props := jsonschema.NewProperties()
	props.Set("any", &jsonschema.Schema{AnyOf: []*jsonschema.Schema{obj("a"), obj("b")}})
	props.Set("one", &jsonschema.Schema{OneOf: []*jsonschema.Schema{obj("a"), obj("b")}})
	props.Set("all", &jsonschema.Schema{AllOf: []*jsonschema.Schema{obj("a"), obj("b")}})
	props.Set("pick", &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "array"}}})
	props.Set("fixed", &jsonschema.Schema{Const: map[string]any{"k": []any{1, "x"}}})
	return &jsonschema.Schema{Type: "object", Properties: props}
}

func TestCompositeSchemas(t *testing.T) {
	t.Parallel()
	d := events.Define[shape]("app/shape.checked")
	tests := []struct {
		data string
		want string
	}{
		{`{"any":{"a":1}}`, ""},
		{`{"any":{"b":1}}`, ""},
		{`{"any":{"c":1}}`, "/any/a: missing required property"},
		{`{"any":{"a":"x","b":2}}`, ""},
		{`{"any":"x"}`, "/any: expected object, got string"},
		{`{"one":{"a":1}}`, ""},
		{`{"one":{"a":1,"b":2}}`, "/one: matches 2 schemas of oneOf, want exactly one"},
		{`{"all":{"a":1,"b":2}}`, ""},
		{`{"all":{"a":1}}`, "/all/b: missing required property"},
		{`{"pick":"s"}`, ""},
		{`{"pick":[1]}`, ""},
		{`{"pick":1}`, "/pick: expected array or string, got number"},
		{`{"fixed":{"k":[1.0,"x"]}}`, ""},
		{`{"fixed":{"k":[1,"y"]}}`, `/fixed: value not allowed, want one of {"k":[1,"x"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			t.Parallel()
			err := d.ValidateJSON([]byte(tt.data))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, events.ErrInvalidData)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
