package events

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	customSchemaType  = reflect.TypeFor[interface{ JSONSchema() *jsonschema.Schema }]()
)

// generateSchema reflects t into a JSON Schema and then fixes what the
// reflector gets wrong for values encoding/json produces (see adjuster).
func generateSchema(t reflect.Type) (s *jsonschema.Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("cannot describe type: %v", p)
		}
	}()
	n := &namer{byType: map[reflect.Type]string{}, byName: map[string]reflect.Type{}}
	r := &jsonschema.Reflector{
		Anonymous:                 true,
		AllowAdditionalProperties: true,
		Namer:                     n.name,
		Mapper:                    mapType,
	}
	s = r.ReflectFromType(t)
	a := &adjuster{defs: s.Definitions, namer: n, done: map[*jsonschema.Schema]bool{}}
	a.adjust(s, t)
	return s, nil
}

// mapType describes the types that marshal themselves: json.Marshaler as
// anything, encoding.TextMarshaler as a string, json.Number as a number. time.Time and types with
// their own JSONSchema method are left to the reflector.
func mapType(t reflect.Type) *jsonschema.Schema {
	if t == timeType || t.Implements(customSchemaType) {
		return nil
	}
	pt := reflect.PointerTo(t)
	switch {
	case t == numberType: // encoding/json writes a json.Number as the number it holds
		return &jsonschema.Schema{Type: "number"}
	case t.Implements(jsonMarshalerType) || pt.Implements(jsonMarshalerType):
		return &jsonschema.Schema{}
	case t.Implements(textMarshalerType) || pt.Implements(textMarshalerType):
		return &jsonschema.Schema{Type: "string"}
	}
	return nil
}

// namer gives each named type a $defs key that is unique and safe in a JSON
// Pointer: generic instantiations and same-named types from two packages
// would otherwise collide or contain '/'.
type namer struct {
	byType map[reflect.Type]string
	byName map[string]reflect.Type
}

func (n *namer) name(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	if s, ok := n.byType[t]; ok {
		return s
	}
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '_'
	}, t.Name())
	s := base
	for i := 2; ; i++ {
		if _, taken := n.byName[s]; !taken {
			break
		}
		s = base + "_" + strconv.Itoa(i)
	}
	n.byType[t], n.byName[s] = s, t
	return s
}

// adjuster walks a reflected schema beside its Go type and makes it accept
// what encoding/json really writes:
//   - nil pointers, slices and maps become null, so their schemas also
//     accept null;
//   - fields promoted from an embedded pointer to struct vanish when the
//     pointer is nil, so they are not required;
//   - fields tagged `json:",string"` are strings (null for a nil pointer);
//   - maps with signed integer keys may have negative keys.
type adjuster struct {
	defs  jsonschema.Definitions
	namer *namer
	done  map[*jsonschema.Schema]bool
}

// resolve follows a local $ref and a reflector "nullable" oneOf wrapper.
func (a *adjuster) resolve(s *jsonschema.Schema) *jsonschema.Schema {
	for range 8 {
		switch {
		case s == nil:
			return nil
		case strings.HasPrefix(s.Ref, "#/$defs/"):
			s = a.defs[strings.TrimPrefix(s.Ref, "#/$defs/")]
		case len(s.OneOf) == 2 && s.OneOf[1] != nil && s.OneOf[1].Type == "null":
			s = s.OneOf[0]
		default:
			return s
		}
	}
	return s
}

func (a *adjuster) adjust(s *jsonschema.Schema, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s = a.resolve(s)
	if s == nil || a.done[s] {
		return
	}
	a.done[s] = true
	switch t.Kind() {
	case reflect.Struct:
		if s.Properties != nil {
			a.fields(s, t, false)
		}
	case reflect.Slice, reflect.Array:
		if s.Items != nil {
			a.adjust(s.Items, t.Elem())
			s.Items = nullable(s.Items, t.Elem())
		}
	case reflect.Map:
		if s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema {
			a.adjust(s.AdditionalProperties, t.Elem())
			s.AdditionalProperties = nullable(s.AdditionalProperties, t.Elem())
		}
		for k, v := range s.PatternProperties {
			a.adjust(v, t.Elem())
			v = nullable(v, t.Elem())
			switch t.Key().Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				delete(s.PatternProperties, k)
				k = "^-?[0-9]+$"
			}
			s.PatternProperties[k] = v
		}
	}
}

// fields adjusts the properties of struct t (or of a struct embedded in it)
// inside object schema s.
func (a *adjuster) fields(s *jsonschema.Schema, t reflect.Type, viaPointer bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		jsonTags := strings.Split(f.Tag.Get("json"), ",")
		if jsonTags[0] == "-" || strings.Split(f.Tag.Get("jsonschema"), ",")[0] == "-" {
			continue
		}
		embedded := f.Anonymous && jsonTags[0] == "" &&
			(f.Type.Kind() == reflect.Struct || f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct)
		if embedded || hasOption(jsonTags, "inline") {
			ft, ptr := f.Type, false
			if ft.Kind() == reflect.Pointer {
				ft, ptr = ft.Elem(), true
			}
			if ft.Kind() == reflect.Struct {
				a.fields(s, ft, viaPointer || ptr)
			}
			continue
		}
		if !f.Anonymous && !f.IsExported() {
			continue
		}
		name := f.Name
		if jsonTags[0] != "" {
			name = jsonTags[0]
		}
		prop, ok := s.Properties.Get(name)
		if !ok {
			continue
		}
		if viaPointer {
			s.Required = slices.DeleteFunc(s.Required, func(r string) bool { return r == name })
		}
		if hasOption(jsonTags, "string") && isScalar(f.Type) {
			s.Properties.Set(name, nullable(&jsonschema.Schema{Type: "string", Description: prop.Description}, f.Type))
			continue
		}
		a.adjust(prop, f.Type)
		s.Properties.Set(name, nullable(prop, f.Type))
	}
}

// nullable wraps s to also accept null when a value of type t can be nil.
func nullable(s *jsonschema.Schema, t reflect.Type) *jsonschema.Schema {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
	default:
		return s
	}
	if acceptsNull(s) {
		return s
	}
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{s, {Type: "null"}}}
}

// acceptsNull reports whether s obviously accepts null already.
func acceptsNull(s *jsonschema.Schema) bool {
	if s == jsonschema.TrueSchema || s.Type == "null" {
		return true
	}
	if s.Type == "" && s.Ref == "" && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.AllOf) == 0 && s.Not == nil &&
		len(s.Enum) == 0 && s.Const == nil && s != jsonschema.FalseSchema {
		return true
	}
	for _, list := range [][]*jsonschema.Schema{s.AnyOf, s.OneOf} {
		for _, b := range list {
			if b != nil && b.Type == "null" {
				return true
			}
		}
	}
	return false
}

func isScalar(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func hasOption(tags []string, opt string) bool {
	for _, t := range tags[1:] {
		if t == opt {
			return true
		}
	}
	return false
}
