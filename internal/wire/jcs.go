package wire

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxCanonicalDepth is the deepest nesting of objects and arrays Canonicalize
// accepts. Deeper input is rejected with ErrCanonicalDepth instead of growing
// the stack without bound.
const MaxCanonicalDepth = 1000

// ErrCanonicalDepth is returned by Canonicalize when the input nests objects
// and arrays deeper than MaxCanonicalDepth.
var ErrCanonicalDepth = errors.New("inngest: jcs: JSON nested too deeply")

// ErrCanonicalSyntax is returned (wrapped with the byte offset) by Canonicalize
// when the input is not valid I-JSON: bad syntax, invalid UTF-8, lone
// surrogates, duplicate object keys or numbers outside the float64 range.
var ErrCanonicalSyntax = errors.New("inngest: jcs: invalid JSON")

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of
// raw: no insignificant whitespace, object members sorted by the UTF-16 code
// units of their keys, numbers in the ECMAScript shortest round-trip form and
// strings with minimal escaping (only '"', '\\' and control characters are
// escaped; '&', '<', '>' and non-ASCII text are written as is).
//
// The input must be a single valid JSON value; duplicate keys are rejected, as
// I-JSON requires. Nesting deeper than MaxCanonicalDepth is an error. The
// output of Canonicalize canonicalizes to itself.
func Canonicalize(raw []byte) ([]byte, error) {
	c := canonicalizer{in: raw, out: make([]byte, 0, len(raw))}
	c.skipSpace()
	if err := c.value(0); err != nil {
		return nil, err
	}
	c.skipSpace()
	if c.pos != len(c.in) {
		return nil, c.fail("trailing data after value")
	}
	return c.out, nil
}

// CanonicalizeWithout is Canonicalize for a JSON object, leaving out its
// top-level member named key (members of nested objects are kept). It fails
// like Canonicalize, and when raw is not an object.
func CanonicalizeWithout(raw []byte, key string) ([]byte, error) {
	c := canonicalizer{in: raw, out: make([]byte, 0, len(raw)), drop: key, dropSet: true}
	c.skipSpace()
	if c.pos >= len(c.in) || c.in[c.pos] != '{' {
		return nil, c.fail("expected an object")
	}
	if err := c.value(0); err != nil {
		return nil, err
	}
	c.skipSpace()
	if c.pos != len(c.in) {
		return nil, c.fail("trailing data after value")
	}
	return c.out, nil
}

// canonicalizer is a single-pass recursive-descent JSON parser that writes
// canonical output as it goes; object members are reordered once the whole
// object has been read.
type canonicalizer struct {
	in   []byte
	pos  int
	out  []byte
	tmp  []byte // scratch for decoded strings and member reordering
	keys []member
	// drop, when dropSet, is a member of the top-level object to leave out.
	drop    string
	dropSet bool
}

// member records where one object member's canonical bytes sit in out.
type member struct {
	key        string
	start, end int
}

type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return ErrCanonicalSyntax.Error() + ": " + e.msg + " at offset " + strconv.Itoa(e.offset)
}

func (e *syntaxError) Unwrap() error { return ErrCanonicalSyntax }

func (c *canonicalizer) fail(msg string) error {
	return &syntaxError{offset: c.pos, msg: msg}
}

func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canonicalizer) value(depth int) error {
	if c.pos >= len(c.in) {
		return c.fail("unexpected end of input")
	}
	switch b := c.in[c.pos]; {
	case b == '{':
		return c.object(depth + 1)
	case b == '[':
		return c.array(depth + 1)
	case b == '"':
		s, err := c.str()
		if err != nil {
			return err
		}
		c.out = appendCanonicalString(c.out, s)
		return nil
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || (b >= '0' && b <= '9'):
		return c.number()
	default:
		return c.fail("unexpected character " + strconv.QuoteRune(rune(b)))
	}
}

func (c *canonicalizer) literal(lit string) error {
	if len(c.in)-c.pos < len(lit) || string(c.in[c.pos:c.pos+len(lit)]) != lit {
		return c.fail("invalid literal")
	}
	c.pos += len(lit)
	c.out = append(c.out, lit...)
	return nil
}

func (c *canonicalizer) array(depth int) error {
	if depth > MaxCanonicalDepth {
		return ErrCanonicalDepth
	}
	c.pos++ // '['
	c.out = append(c.out, '[')
	c.skipSpace()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return nil
	}
	for {
		c.skipSpace()
		if err := c.value(depth); err != nil {
			return err
		}
		c.skipSpace()
		if c.pos >= len(c.in) {
			return c.fail("unterminated array")
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			return nil
		default:
			return c.fail("expected ',' or ']' in array")
		}
	}
}

func (c *canonicalizer) object(depth int) error {
	if depth > MaxCanonicalDepth {
		return ErrCanonicalDepth
	}
	c.pos++ // '{'
	base := len(c.out)
	c.out = append(c.out, '{')
	c.skipSpace()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		return nil
	}
	// Members are written one after another without separators; their spans
	// are kept on a shared stack (c.keys) so nested objects reuse it.
	mark := len(c.keys)
	for {
		c.skipSpace()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return c.fail("expected string key in object")
		}
		key, err := c.str()
		if err != nil {
			return err
		}
		start := len(c.out)
		c.out = appendCanonicalString(c.out, key)
		c.skipSpace()
		if c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return c.fail("expected ':' after object key")
		}
		c.pos++
		c.out = append(c.out, ':')
		c.skipSpace()
		if err := c.value(depth); err != nil {
			return err
		}
		c.keys = append(c.keys, member{key: key, start: start, end: len(c.out)})
		c.skipSpace()
		if c.pos >= len(c.in) {
			return c.fail("unterminated object")
		}
		if c.in[c.pos] == ',' {
			c.pos++
			continue
		}
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		return c.fail("expected ',' or '}' in object")
	}
	members := c.keys[mark:]
	slices.SortStableFunc(members, func(a, b member) int { return compareUTF16(a.key, b.key) })
	for i := 1; i < len(members); i++ {
		if members[i-1].key == members[i].key {
			return c.fail("duplicate object key " + strconv.Quote(members[i].key))
		}
	}
	// Rewrite the members in sorted order with separators.
	c.tmp = append(c.tmp[:0], c.out[base+1:]...)
	off := base + 1
	c.out = c.out[:base+1]
	first := true
	for _, m := range members {
		if c.dropSet && depth == 1 && m.key == c.drop {
			continue // checked for duplicates with the others, left out
		}
		if !first {
			c.out = append(c.out, ',')
		}
		first = false
		c.out = append(c.out, c.tmp[m.start-off:m.end-off]...)
	}
	c.out = append(c.out, '}')
	clear(members)
	c.keys = c.keys[:mark]
	return nil
}

// str decodes the JSON string at c.pos (which holds '"') and returns its value.
func (c *canonicalizer) str() (string, error) {
	c.pos++ // opening quote
	start := c.pos
	// Fast path: no escapes.
	for c.pos < len(c.in) {
		b := c.in[c.pos]
		if b == '"' {
			s := c.in[start:c.pos]
			if !utf8.Valid(s) {
				return "", c.fail("invalid UTF-8 in string")
			}
			c.pos++
			return string(s), nil
		}
		if b == '\\' {
			break
		}
		if b < 0x20 {
			return "", c.fail("control character in string")
		}
		c.pos++
	}
	buf := append(c.tmp[:0], c.in[start:c.pos]...)
	for {
		if c.pos >= len(c.in) {
			return "", c.fail("unterminated string")
		}
		b := c.in[c.pos]
		switch {
		case b == '"':
			c.pos++
			if !utf8.Valid(buf) {
				return "", c.fail("invalid UTF-8 in string")
			}
			c.tmp = buf
			return string(buf), nil
		case b < 0x20:
			return "", c.fail("control character in string")
		case b != '\\':
			buf = append(buf, b)
			c.pos++
			continue
		}
		// Escape sequence.
		if c.pos+1 >= len(c.in) {
			return "", c.fail("unterminated escape")
		}
		e := c.in[c.pos+1]
		c.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := c.hex4()
			if !ok {
				return "", c.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || c.pos+1 >= len(c.in) || c.in[c.pos] != '\\' || c.in[c.pos+1] != 'u' {
					return "", c.fail("lone surrogate in \\u escape")
				}
				c.pos += 2
				r2, ok := c.hex4()
				if !ok {
					return "", c.fail("invalid \\u escape")
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", c.fail("lone surrogate in \\u escape")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", c.fail("invalid escape character")
		}
	}
}

func (c *canonicalizer) hex4() (rune, bool) {
	if len(c.in)-c.pos < 4 {
		return 0, false
	}
	var r rune
	for _, b := range c.in[c.pos : c.pos+4] {
		switch {
		case b >= '0' && b <= '9':
			r = r<<4 | rune(b-'0')
		case b >= 'a' && b <= 'f':
			r = r<<4 | rune(b-'a'+10)
		case b >= 'A' && b <= 'F':
			r = r<<4 | rune(b-'A'+10)
		default:
			return 0, false
		}
	}
	c.pos += 4
	return r, true
}

// number validates a JSON number per RFC 8259 and writes its ECMAScript form.
func (c *canonicalizer) number() error {
	start := c.pos
	in := c.in
	i := c.pos
	if in[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && in[i] >= '1' && in[i] <= '9':
		digits()
	default:
		c.pos = i
		return c.fail("invalid number")
	}
	if i < len(in) && in[i] == '.' {
		i++
		if digits() == 0 {
			c.pos = i
			return c.fail("invalid number: no digits after '.'")
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if digits() == 0 {
			c.pos = i
			return c.fail("invalid number: no digits in exponent")
		}
	}
	f, err := strconv.ParseFloat(string(in[start:i]), 64)
	if err != nil || math.IsInf(f, 0) {
		return c.fail("number out of float64 range")
	}
	c.pos = i
	c.out = appendESNumber(c.out, f)
	return nil
}

// appendESNumber appends f formatted like ECMAScript's Number::toString, as
// RFC 8785 §3.2.2.3 requires. f must be finite.
func appendESNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // also -0
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Shortest round-trip digits in scientific form: d[.ddd]e±x.
	var sci [32]byte
	s := strconv.AppendFloat(sci[:0], f, 'e', -1, 64)
	epos := 0
	for epos < len(s) && s[epos] != 'e' {
		epos++
	}
	var digs [24]byte
	d := digs[:0]
	for _, b := range s[:epos] {
		if b != '.' {
			d = append(d, b)
		}
	}
	exp, _ := strconv.Atoi(string(s[epos+1:]))
	k := len(d)
	n := exp + 1 // value = 0.d × 10^n
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// appendCanonicalString appends s as a JSON string with RFC 8785 escaping.
func appendCanonicalString(dst []byte, s string) []byte {
	const hexdigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexdigits[b>>4], hexdigits[b&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// compareUTF16 orders two valid UTF-8 strings by their UTF-16 code units, as
// RFC 8785 §3.2.3 requires for object keys. It differs from byte order only
// when a supplementary-plane character meets one in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua1, ua2 := utf16Units(ra)
			ub1, ub2 := utf16Units(rb)
			if ua1 != ub1 {
				return int(ua1) - int(ub1)
			}
			return int(ua2) - int(ub2)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Units returns the first and second UTF-16 code units of r (the second
// is 0 for BMP characters).
func utf16Units(r rune) (rune, rune) {
	if r < 0x10000 {
		return r, 0
	}
	return utf16.EncodeRune(r)
}
