package events

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// maxDepth bounds the nesting of JSON values (and of schema composites) the
// validator follows; deeper input is refused rather than risking the stack.
const maxDepth = 512

// kinds of JSON value, found from the first byte.
const (
	vObject = iota + 1
	vArray
	vString
	vNumber
	vBool
	vNull
)

func kindOf(c byte) int {
	switch {
	case c == '{':
		return vObject
	case c == '[':
		return vArray
	case c == '"':
		return vString
	case c == '-' || c >= '0' && c <= '9':
		return vNumber
	case c == 't' || c == 'f':
		return vBool
	case c == 'n':
		return vNull
	}
	return 0
}

func kindName(k int) string {
	switch k {
	case vObject:
		return "object"
	case vArray:
		return "array"
	case vString:
		return "string"
	case vNumber:
		return "number"
	case vBool:
		return "boolean"
	case vNull:
		return "null"
	}
	return "invalid JSON"
}

// kindMask is the node type bit a kind needs; numbers are checked apart.
func kindMask(k int) uint8 {
	switch k {
	case vObject:
		return kObject
	case vArray:
		return kArray
	case vString:
		return kString
	case vNumber:
		return kNumber | kInteger
	case vBool:
		return kBool
	case vNull:
		return kNull
	}
	return 0
}

// typesName renders a type mask, e.g. "string or null".
func typesName(m uint8) string {
	var names []string
	for _, t := range []struct {
		bit  uint8
		name string
	}{{kObject, "object"}, {kArray, "array"}, {kString, "string"}, {kNumber, "number"}, {kInteger, "integer"}, {kBool, "boolean"}, {kNull, "null"}} {
		if m&t.bit != 0 {
			if t.bit == kInteger && m&kNumber != 0 {
				continue
			}
			names = append(names, t.name)
		}
	}
	return strings.Join(names, " or ")
}

// verr is a validation failure; segs holds the path innermost first, built
// while the recursion unwinds so that the happy path costs nothing.
type verr struct {
	segs   []string
	reason string
}

func (e *verr) in(seg string) *verr {
	e.segs = append(e.segs, seg)
	return e
}

// path renders the JSON Pointer, shortened for hostile input: segments
// over 64 bytes are cut, and a path over 32 segments keeps its ends only.
func (e *verr) path() string {
	if len(e.segs) == 0 {
		return "/"
	}
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		if n := len(e.segs); n > 32 && i == n-25 {
			b.WriteString("/...")
			i = 8
		}
		seg := e.segs[i]
		if len(seg) > 64 {
			seg = strings.ToValidUTF8(seg[:64], "") + "..."
		}
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(seg))
	}
	return b.String()
}

// pointerEscaper escapes a JSON Pointer segment (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func fail(format string, args ...any) *verr {
	return &verr{reason: fmt.Sprintf(format, args...)}
}

// validate checks data against root, labelling errors with event name.
func validate(root *node, name string, data []byte) error {
	budget := 64*len(data) + 4096
	r := &run{data: data, budget: &budget}
	e := r.value(root)
	if e == nil {
		r.ws()
		if r.pos < len(r.data) {
			e = r.syntax("unexpected data after the value")
		}
	}
	if e != nil {
		return &DataError{Event: name, Path: e.path(), Reason: e.reason}
	}
	return nil
}

// run is one pass of the streaming validator over data: it parses and
// checks in the same walk, without building values.
type run struct {
	data   []byte
	pos    int
	depth  int
	budget *int // bytes left for re-validating spans under anyOf/oneOf/allOf
}

func (r *run) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *run) syntax(what string) *verr {
	return fail("invalid JSON at offset %d: %s", r.pos, what)
}

// value validates the value at r.pos against n and moves past it.
// separator reads what follows an element of an object or array: ',' (more
// elements follow) or the closing byte (the end).
func (r *run) separator(closing byte, kind string) (more bool, e *verr) {
	r.ws()
	if r.pos >= len(r.data) {
		return false, r.syntax("unexpected end of input in " + kind)
	}
	switch r.data[r.pos] {
	case ',':
		r.pos++
		return true, nil
	case closing:
		r.pos++
		return false, nil
	}
	return false, r.syntax("expected ',' or '" + string(closing) + "'")
}

func (r *run) value(n *node) *verr {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxDepth {
		return fail("nested deeper than %d levels", maxDepth)
	}
	r.ws()
	if r.pos >= len(r.data) {
		return r.syntax("unexpected end of input")
	}
	k := kindOf(r.data[r.pos])
	if k == 0 {
		return r.syntax(fmt.Sprintf("unexpected character %q", r.data[r.pos]))
	}
	switch {
	case n.any:
		return r.skip(k)
	case n.never:
		return fail("no value is allowed here")
	case n.composite:
		return r.composite(n, k)
	}
	if n.types != 0 && n.types&kindMask(k) == 0 {
		return fail("expected %s, got %s", typesName(n.types), kindName(k))
	}
	switch k {
	case vObject:
		return r.object(n)
	case vArray:
		return r.array(n)
	case vString:
		return r.str(n)
	case vNumber:
		return r.number(n)
	default:
		lit, e := r.literal()
		if e != nil {
			return e
		}
		return r.enum(n, lit)
	}
}

// skip moves past a value of kind k, checking syntax only.
func (r *run) skip(k int) *verr {
	switch k {
	case vObject:
		return r.object(anyObject)
	case vArray:
		return r.array(anyObject)
	case vString:
		_, _, e := r.scanString()
		return e
	case vNumber:
		_, e := r.scanNumber()
		return e
	default:
		_, e := r.literal()
		return e
	}
}

// anyObject is a simple node with no constraints, for skipping containers.
var anyObject = &node{maxProps: -1, maxItems: -1, maxLen: -1, items: anyNode}

// literal moves past true, false or null and returns it.
func (r *run) literal() (string, *verr) {
	rest := r.data[r.pos:]
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
			r.pos += len(lit)
			return lit, nil
		}
	}
	return "", r.syntax("invalid literal")
}

// enum checks a scalar, given by its canonical key, against n's enum.
func (r *run) enum(n *node, key string) *verr {
	if n.enum == nil {
		return nil
	}
	if _, ok := n.enum[key]; !ok {
		return fail("value not allowed, want one of %s", n.enumDesc)
	}
	return nil
}

func (r *run) object(n *node) *verr {
	r.pos++ // '{'
	var seen uint64
	var seenMore []bool
	if len(n.required) > 64 {
		seenMore = make([]bool, len(n.required))
	}
	count := 0
	start := r.pos - 1
	r.ws()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
	} else {
		for {
			r.ws()
			if r.pos >= len(r.data) || r.data[r.pos] != '"' {
				return r.syntax("expected a property name")
			}
			raw, escaped, e := r.scanString()
			if e != nil {
				return e
			}
			if escaped {
				raw = []byte(decodeString(raw))
			}
			r.ws()
			if r.pos >= len(r.data) || r.data[r.pos] != ':' {
				return r.syntax("expected ':'")
			}
			r.pos++
			count++
			sub := anyNode
			if p, ok := n.props[string(raw)]; ok {
				sub = p.n
				if p.req >= 0 {
					if seenMore != nil {
						seenMore[p.req] = true
					} else {
						seen |= 1 << uint(p.req)
					}
				}
			} else if fn := n.foldMatch(raw); fn != nil {
				// encoding/json fills a field from a key that matches its
				// name case-insensitively, so the value must fit it too.
				sub = fn
			} else if pn := matchPattern(n.patterns, raw); pn != nil {
				sub = pn
			} else if n.additional != nil {
				if n.additional.never {
					return fail("property not allowed").in(string(raw))
				}
				sub = n.additional
			}
			if e := r.value(sub); e != nil {
				return e.in(string(raw))
			}
			more, e := r.separator('}', "object")
			if e != nil {
				return e
			}
			if !more {
				break
			}
		}
	}
	for i, name := range n.required {
		if seenMore != nil && !seenMore[i] || seenMore == nil && seen&(1<<uint(i)) == 0 {
			return fail("missing required property").in(name)
		}
	}
	if count < n.minProps {
		return fail("has %d properties, fewer than minProperties %d", count, n.minProps)
	}
	if n.maxProps >= 0 && count > n.maxProps {
		return fail("has %d properties, more than maxProperties %d", count, n.maxProps)
	}
	if n.enum != nil {
		return r.enumJSON(n, r.data[start:r.pos])
	}
	return nil
}

// foldMatch returns the node of the first property whose name equals key
// under Unicode case folding, as encoding/json matches fields.
func (n *node) foldMatch(key []byte) *node {
	for _, p := range n.propList {
		if bytes.EqualFold(key, []byte(p.name)) {
			return p.n
		}
	}
	return nil
}

func matchPattern(ps []patternNode, key []byte) *node {
	for _, p := range ps {
		if p.re.Match(key) {
			return p.n
		}
	}
	return nil
}

func (r *run) array(n *node) *verr {
	start := r.pos
	r.pos++ // '['
	items := n.items
	if items == nil {
		items = anyNode
	}
	count := 0
	r.ws()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
	} else {
		for {
			if e := r.value(items); e != nil {
				return e.in(strconv.Itoa(count))
			}
			count++
			more, e := r.separator(']', "array")
			if e != nil {
				return e
			}
			if !more {
				break
			}
		}
	}
	if count < n.minItems {
		return fail("has %d items, fewer than minItems %d", count, n.minItems)
	}
	if n.maxItems >= 0 && count > n.maxItems {
		return fail("has %d items, more than maxItems %d", count, n.maxItems)
	}
	if n.enum != nil {
		return r.enumJSON(n, r.data[start:r.pos])
	}
	return nil
}

// enumJSON checks an object or array against n's enum.
func (r *run) enumJSON(n *node, raw []byte) *verr {
	if _, ok := n.enum[canonicalKey(raw)]; !ok {
		return fail("value not allowed, want one of %s", n.enumDesc)
	}
	return nil
}

// scanString moves past a string at r.pos, returning its raw contents
// (between the quotes) and whether it holds escapes.
func (r *run) scanString() ([]byte, bool, *verr) {
	start := r.pos + 1
	escaped := false
	for i := start; i < len(r.data); i++ {
		switch c := r.data[i]; {
		case c == '"':
			r.pos = i + 1
			return r.data[start:i], escaped, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(r.data) {
				break
			}
			switch r.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(r.data) || !isHex(r.data[i+1]) || !isHex(r.data[i+2]) || !isHex(r.data[i+3]) || !isHex(r.data[i+4]) {
					r.pos = i
					return nil, false, r.syntax("invalid \\u escape")
				}
				i += 4
			default:
				r.pos = i
				return nil, false, r.syntax("invalid escape")
			}
		case c < 0x20:
			r.pos = i
			return nil, false, r.syntax("control character in string")
		}
	}
	r.pos = len(r.data)
	return nil, false, r.syntax("unterminated string")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeString decodes the contents of a syntactically valid JSON string.
func decodeString(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var s string
	if err := jsoncodec.Unmarshal(q, &s); err != nil {
		return string(raw)
	}
	return s
}

func (r *run) str(n *node) *verr {
	raw, escaped, e := r.scanString()
	if e != nil {
		return e
	}
	if n.minLen == 0 && n.maxLen < 0 && n.pattern == nil && n.enum == nil {
		return nil
	}
	if escaped {
		raw = []byte(decodeString(raw))
	}
	if n.minLen > 0 || n.maxLen >= 0 {
		l := utf8.RuneCount(raw)
		if l < n.minLen {
			return fail("length %d is less than minLength %d", l, n.minLen)
		}
		if n.maxLen >= 0 && l > n.maxLen {
			return fail("length %d is more than maxLength %d", l, n.maxLen)
		}
	}
	if n.pattern != nil && !n.pattern.Match(raw) {
		return fail("does not match pattern %q", n.pattern.String())
	}
	if n.enum != nil {
		if _, ok := n.enumStrings[string(raw)]; !ok {
			return fail("value not allowed, want one of %s", n.enumDesc)
		}
	}
	return nil
}

// scanNumber moves past a number, reporting whether it is an integer
// literal (no fraction, no exponent).
func (r *run) scanNumber() (bool, *verr) {
	d := r.data
	i := r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		return false, r.syntax("invalid number")
	}
	integer := true
	if i < len(d) && d[i] == '.' {
		integer = false
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			return false, r.syntax("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		integer = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			return false, r.syntax("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	r.pos = i
	return integer, nil
}

func (r *run) number(n *node) *verr {
	start := r.pos
	integer, e := r.scanNumber()
	if e != nil {
		return e
	}
	if n.types != 0 && n.types&kNumber == 0 && !integer {
		if n.types&kInteger != 0 {
			return fail("expected integer, got number %s", r.data[start:r.pos])
		}
		return fail("expected %s, got number", typesName(n.types))
	}
	if n.enum == nil && math.IsNaN(n.minimum) && math.IsNaN(n.maximum) && math.IsNaN(n.exclMin) && math.IsNaN(n.exclMax) {
		return nil
	}
	lit := r.data[start:r.pos]
	f, _ := strconv.ParseFloat(string(lit), 64) // out of range gives ±Inf, which compares fine
	switch {
	case !math.IsNaN(n.minimum) && cmpBound(f, lit, n.minimum, n.minD) < 0:
		return fail("%s is less than minimum %v", lit, n.minimum)
	case !math.IsNaN(n.maximum) && cmpBound(f, lit, n.maximum, n.maxD) > 0:
		return fail("%s is greater than maximum %v", lit, n.maximum)
	case !math.IsNaN(n.exclMin) && cmpBound(f, lit, n.exclMin, n.exclMinD) <= 0:
		return fail("%s is not greater than exclusiveMinimum %v", lit, n.exclMin)
	case !math.IsNaN(n.exclMax) && cmpBound(f, lit, n.exclMax, n.exclMaxD) >= 0:
		return fail("%s is not less than exclusiveMaximum %v", lit, n.exclMax)
	}
	if n.enum == nil {
		return nil
	}
	return r.enum(n, parseDecimal(string(lit)).key())
}

// accepts reports whether n could accept a value of kind k, judging by type
// alone (composites and untyped nodes might accept anything).
func (n *node) accepts(k int) bool {
	switch {
	case n.never:
		return false
	case n.any || n.composite || n.types == 0:
		return true
	}
	return n.types&kindMask(k) != 0
}

// composite validates allOf, anyOf and oneOf. When the value's kind leaves
// a single candidate (the usual "T or null"), it streams into it; otherwise
// it finds the value's span and validates it once per branch, drawing on
// the run's budget so that hostile input cannot make the work explode.
func (r *run) composite(n *node, k int) *verr {
	if len(n.anyOf)+len(n.oneOf) == 0 && len(n.allOf) == 1 {
		return r.value(n.allOf[0])
	}
	branches := n.anyOf
	if len(n.oneOf) > 0 {
		branches = n.oneOf
	}
	var cands []*node
	if len(n.allOf) == 0 {
		var union uint8
		for _, b := range branches {
			if b.accepts(k) {
				cands = append(cands, b)
			}
			if !b.never {
				union |= b.types
			}
		}
		switch len(cands) {
		case 0:
			return fail("expected %s, got %s", typesName(union), kindName(k))
		case 1:
			return r.value(cands[0])
		}
	}
	start := r.pos
	if e := r.skip(k); e != nil {
		return e
	}
	span := r.data[start:r.pos]
	check := func(b *node) *verr {
		*r.budget -= len(span)
		if *r.budget < 0 {
			return fail("schema too complex for this input")
		}
		sub := &run{data: span, depth: r.depth, budget: r.budget}
		return sub.value(b)
	}
	if len(n.allOf) > 0 {
		for _, b := range n.allOf {
			if e := check(b); e != nil {
				return e
			}
		}
		return nil
	}
	var first *verr
	matched := 0
	for _, b := range cands {
		e := check(b)
		if e == nil {
			matched++
			if len(n.oneOf) == 0 {
				return nil
			}
			continue
		}
		if first == nil {
			first = e
		}
	}
	switch {
	case matched == 1:
		return nil
	case matched > 1:
		return fail("matches %d schemas of oneOf, want exactly one", matched)
	}
	return first
}
