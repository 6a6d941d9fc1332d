package events

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// JSON value kinds, as a bit mask of what a node accepts.
const (
	kObject uint8 = 1 << iota
	kArray
	kString
	kInteger // a number literal with no fraction or exponent
	kNumber
	kBool
	kNull
)

// node is one compiled schema. A node is either composite (only allOf,
// anyOf and oneOf, set by the compiler so that the streaming validator
// never has to mix them with other keywords) or simple.
type node struct {
	any   bool  // accepts every value
	never bool  // accepts no value (the false schema)
	types uint8 // accepted kinds; 0 means any kind

	composite           bool
	allOf, anyOf, oneOf []*node

	// objects
	props      map[string]propNode
	propList   []namedNode // the properties in declared order
	required   []string    // in declared order, for the error message
	patterns   []patternNode
	additional *node // nil accepts any additional property
	minProps   int
	maxProps   int // -1: no limit

	// arrays
	items    *node
	minItems int
	maxItems int

	// strings
	minLen  int
	maxLen  int
	pattern *regexp.Regexp

	// numbers
	minimum, maximum, exclMin, exclMax float64 // NaN when unset
	// the same bounds held exactly, for a literal equal to one as a float64
	minD, maxD, exclMinD, exclMaxD decimal

	// enum and const, as canonical keys (see scalarKey, jsonKey)
	enum        map[string]struct{}
	enumStrings map[string]struct{} // the string members of enum, decoded
	enumDesc    string
}

type propNode struct {
	n   *node
	req int // index into required, -1 when optional
}

type namedNode struct {
	name string
	n    *node
}

type patternNode struct {
	re *regexp.Regexp
	n  *node
}

// anyNode accepts every value; it validates syntax only.
var anyNode = &node{any: true}

// compileSchema compiles root (and its $defs) into a validator tree.
func compileSchema(root *jsonschema.Schema) (*node, error) {
	c := &compiler{defs: root.Definitions, byDef: map[*jsonschema.Schema]*node{}}
	n := c.compile(root)
	return n, c.err
}

type compiler struct {
	defs  jsonschema.Definitions
	byDef map[*jsonschema.Schema]*node
	err   error
}

func (c *compiler) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// def compiles a $defs entry once; the placeholder it stores first lets
// recursive types refer to themselves.
func (c *compiler) def(s *jsonschema.Schema) *node {
	if n, ok := c.byDef[s]; ok {
		return n
	}
	n := &node{}
	c.byDef[s] = n
	res, owned := c.build(s)
	if owned {
		*n = *res
	} else {
		*n = node{composite: true, allOf: []*node{res}}
	}
	return n
}

func (c *compiler) compile(s *jsonschema.Schema) *node {
	n, _ := c.build(s)
	return n
}

// build compiles s; owned reports whether the node was made for s alone
// (and so may be copied into a placeholder) rather than shared.
func (c *compiler) build(s *jsonschema.Schema) (*node, bool) {
	switch {
	case s == nil || s == jsonschema.TrueSchema:
		return anyNode, false
	case s == jsonschema.FalseSchema:
		return &node{never: true}, true
	}
	base, hasKeywords := c.simple(s)
	var parts []*node
	if s.Ref != "" {
		key, ok := strings.CutPrefix(s.Ref, "#/$defs/")
		target := c.defs[key]
		if !ok || target == nil {
			c.fail("unsupported $ref %q", s.Ref)
		} else {
			parts = append(parts, c.def(target))
		}
	}
	for _, sub := range s.AllOf {
		parts = append(parts, c.compile(sub))
	}
	if len(s.AnyOf) > 0 {
		parts = append(parts, &node{composite: true, anyOf: c.list(s.AnyOf)})
	}
	if len(s.OneOf) > 0 {
		parts = append(parts, &node{composite: true, oneOf: c.list(s.OneOf)})
	}
	switch {
	case len(parts) == 0:
		if !hasKeywords {
			return anyNode, false
		}
		return base, true
	case !hasKeywords && len(parts) == 1:
		return parts[0], false
	case hasKeywords:
		parts = append([]*node{base}, parts...)
	}
	return &node{composite: true, allOf: parts}, true
}

func (c *compiler) list(ss []*jsonschema.Schema) []*node {
	out := make([]*node, 0, len(ss))
	for _, s := range ss {
		out = append(out, c.compile(s))
	}
	return out
}

// simple compiles the keywords other than $ref and the composites.
func (c *compiler) simple(s *jsonschema.Schema) (*node, bool) {
	n := &node{maxProps: -1, maxItems: -1, maxLen: -1,
		minimum: math.NaN(), maximum: math.NaN(), exclMin: math.NaN(), exclMax: math.NaN()}
	has := false
	if s.Type != "" {
		has = true
		switch s.Type {
		case "object":
			n.types = kObject
		case "array":
			n.types = kArray
		case "string":
			n.types = kString
		case "integer":
			n.types = kInteger
		case "number":
			n.types = kNumber | kInteger
		case "boolean":
			n.types = kBool
		case "null":
			n.types = kNull
		default:
			c.fail("unsupported type %q", s.Type)
		}
	}
	if s.Properties != nil && s.Properties.Len() > 0 {
		has = true
		n.props = make(map[string]propNode, s.Properties.Len())
		for name, sub := range s.Properties.FromOldest() {
			sn := c.compile(sub)
			n.props[name] = propNode{n: sn, req: -1}
			n.propList = append(n.propList, namedNode{name: name, n: sn})
		}
	}
	if len(s.Required) > 0 {
		has = true
		if n.props == nil {
			n.props = map[string]propNode{}
		}
		for _, name := range s.Required {
			p, ok := n.props[name]
			if !ok {
				p = propNode{n: anyNode, req: -1}
			}
			if p.req >= 0 {
				continue
			}
			p.req = len(n.required)
			n.required = append(n.required, name)
			n.props[name] = p
		}
	}
	for pat, sub := range s.PatternProperties {
		has = true
		re, err := regexp.Compile(pat)
		if err != nil {
			c.fail("patternProperties %q: %v", pat, err)
			continue
		}
		n.patterns = append(n.patterns, patternNode{re: re, n: c.compile(sub)})
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.TrueSchema {
		has = true
		n.additional = c.compile(s.AdditionalProperties)
	}
	has = setCount(&n.minProps, s.MinProperties) || has
	if s.MaxProperties != nil {
		has = true
		n.maxProps = clampCount(*s.MaxProperties)
	}
	if s.Items != nil {
		has = true
		n.items = c.compile(s.Items)
	}
	has = setCount(&n.minItems, s.MinItems) || has
	if s.MaxItems != nil {
		has = true
		n.maxItems = clampCount(*s.MaxItems)
	}
	has = setCount(&n.minLen, s.MinLength) || has
	if s.MaxLength != nil {
		has = true
		n.maxLen = clampCount(*s.MaxLength)
	}
	if s.Pattern != "" {
		has = true
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			c.fail("pattern %q: %v", s.Pattern, err)
		}
		n.pattern = re
	}
	for _, b := range []struct {
		num   json.Number
		dst   *float64
		exact *decimal
	}{{s.Minimum, &n.minimum, &n.minD}, {s.Maximum, &n.maximum, &n.maxD}, {s.ExclusiveMinimum, &n.exclMin, &n.exclMinD}, {s.ExclusiveMaximum, &n.exclMax, &n.exclMaxD}} {
		if b.num == "" {
			continue
		}
		f, err := strconv.ParseFloat(string(b.num), 64)
		if err != nil {
			c.fail("bad number %q: %v", b.num, err)
			continue
		}
		has = true
		*b.dst = f
		*b.exact = parseDecimal(string(b.num))
	}
	values := s.Enum
	if s.Const != nil {
		values = append(values[:len(values):len(values)], s.Const)
	}
	if len(values) > 0 {
		has = true
		n.enum = make(map[string]struct{}, len(values))
		n.enumStrings = map[string]struct{}{}
		shown := make([]string, 0, len(values))
		for _, v := range values {
			b, err := jsoncodec.Marshal(v)
			if err != nil {
				c.fail("enum value %v: %v", v, err)
				continue
			}
			key := canonicalKey(b)
			n.enum[key] = struct{}{}
			if str, ok := strings.CutPrefix(key, "s"); ok {
				n.enumStrings[str] = struct{}{}
			}
			if len(shown) < 8 {
				shown = append(shown, string(b))
			}
		}
		n.enumDesc = strings.Join(shown, ", ")
		if len(values) > len(shown) {
			n.enumDesc += ", ..."
		}
	}
	return n, has
}

// setCount stores an optional lower bound, reporting whether one was set.
func setCount(dst *int, v *uint64) bool {
	if v == nil {
		return false
	}
	*dst = clampCount(*v)
	return true
}

func clampCount(v uint64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// canonicalKey turns a JSON value into a key that is equal for equal
// values: strings and numbers by value, everything else by its compact
// re-encoding through encoding/json (which sorts object keys).
func canonicalKey(raw []byte) string {
	var v any
	if err := jsoncodec.Unmarshal(raw, &v); err != nil {
		return "!" + string(raw)
	}
	switch x := v.(type) {
	case string:
		return "s" + x
	case float64:
		return parseDecimal(strings.TrimSpace(string(raw))).key()
	case bool, nil:
		return string(raw)
	}
	b, err := jsoncodec.Marshal(v)
	if err != nil {
		return "!" + string(raw)
	}
	return "j" + string(b)
}
