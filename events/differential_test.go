package events_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/message"
)

// The differential fuzz checks this package's streaming validator against
// github.com/santhosh-tekuri/jsonschema/v6 (a full draft 2020-12 validator,
// used in tests only) on the schemas Define produces, over JSON instances
// generated from the fuzz bytes by walking the schema: mostly conforming,
// with wrong types, missing required properties, out-of-range numbers,
// case-folded keys, broken syntax and the like mixed in.
//
// Two documented differences of ours are modelled on the reference side by a
// vocabulary of its own ("x-go-integer", "x-go-fold") added to the schema, so
// that the two must agree on every instance:
//   - "integer" is a number literal with no fraction or exponent (1.0 is a
//     JSON Schema integer, but encoding/json cannot decode it into an int);
//   - a key matching a property only case-insensitively is checked against
//     that property, as encoding/json fills the field from it.
//
// "format" is an annotation for both. Duplicate keys are not generated (ours
// checks every occurrence, the reference the last one).

type dfMeta struct {
	Source string `json:"source"`
	Trace  string `json:"trace,omitempty" jsonschema:"maxLength=8"`
}

type dfBase struct {
	ID      string `json:"id" jsonschema:"minLength=1"`
	Version int    `json:"version,omitempty" jsonschema:"minimum=1"`
}

type dfAddr struct {
	Street string `json:"street" jsonschema:"minLength=1,maxLength=20"`
	Zip    string `json:"zip,omitempty" jsonschema:"pattern=^[0-9]{5}$"`
}

type dfItem struct {
	SKU   string  `json:"sku" jsonschema:"pattern=^[A-Z]{2}-[0-9]+$"`
	Qty   uint16  `json:"qty" jsonschema:"minimum=1,maximum=99"`
	Price float64 `json:"price" jsonschema:"exclusiveMinimum=0,exclusiveMaximum=1000"`
}

type dfOrder struct {
	dfBase
	*dfMeta
	Status string          `json:"status" jsonschema:"enum=open,enum=paid,enum=shipped"`
	Rank   int             `json:"rank,omitempty" jsonschema:"enum=1,enum=2,enum=3"`
	Total  float64         `json:"total" jsonschema:"minimum=0"`
	Ratio  float32         `json:"ratio,omitzero"`
	Note   *string         `json:"note,omitempty"`
	Tags   []string        `json:"tags" jsonschema:"maxItems=3"`
	Matrix [][]int         `json:"matrix,omitempty"`
	Attrs  map[string]int  `json:"attrs,omitempty"`
	ByID   map[int]string  `json:"by_id,omitempty"`
	At     time.Time       `json:"at"`
	When   *time.Time      `json:"when,omitempty"`
	Email  string          `json:"email,omitempty" jsonschema:"format=email"`
	Ship   dfAddr          `json:"ship"`
	Bill   *dfAddr         `json:"bill,omitempty"`
	Items  []dfItem        `json:"items,omitempty" jsonschema:"minItems=1"`
	Big    int64           `json:"big,string"`
	Raw    json.RawMessage `json:"raw,omitempty"`
	Any    any             `json:"any,omitempty"`
	Flag   bool            `json:"flag"`
	Pair   [2]int8         `json:"pair"`
	Wait   time.Duration   `json:"wait,omitempty"`
	IP     netip.Addr      `json:"ip,omitzero"`
	Hidden string          `json:"-"`
	Choice any             `json:"choice,omitempty" jsonschema:"oneof_type=string;integer"`
}

type dfTree struct {
	Name string    `json:"name" jsonschema:"minLength=1"`
	Kids []*dfTree `json:"kids,omitempty" jsonschema:"maxItems=3"`
	Up   *dfTree   `json:"up,omitempty"`
}

type dfFlags struct {
	On    bool              `json:"on"`
	Level uint8             `json:"level"`
	Ints  []int             `json:"ints" jsonschema:"minItems=1,maxItems=4"`
	Meta  map[string]string `json:"meta"`
	Nums  map[string]float64
	Opt   *int `json:",omitempty"`
}

// dfCase is one Definition under test with its reference schema.
type dfCase struct {
	name    string
	ours    func([]byte) error
	schema  map[string]any // the schema as the generator walks it
	ref     *jsonschema.Schema
	samples [][]byte // Go values marshalled: valid by construction
}

func dfCaseOf[T any](t testing.TB, samples ...T) dfCase {
	d := events.Define[T]("app/diff.data")
	raw := d.SchemaJSON()
	require.NotNil(t, raw)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	schema := doc.(map[string]any)
	addGoKeywords(schema)
	c := jsonschema.NewCompiler()
	c.AssertVocabs()
	c.RegisterVocabulary(goVocab(t))
	require.NoError(t, c.AddResource("mem://schema.json", schema))
	ref, err := c.Compile("mem://schema.json")
	require.NoError(t, err, "schema: %s", raw)
	dc := dfCase{name: fmt.Sprintf("%T", *new(T)), ours: d.ValidateJSON, schema: schema, ref: ref}
	for _, s := range samples {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		dc.samples = append(dc.samples, b)
	}
	return dc
}

func dfCases(t testing.TB) []dfCase {
	note := "n"
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	order := dfOrder{dfBase: dfBase{ID: "o1", Version: 2}, Status: "paid", Total: 12.5, Note: &note, Tags: []string{"a"},
		Matrix: [][]int{{1, 2}, nil}, Attrs: map[string]int{"x": 1}, ByID: map[int]string{-3: "m", 4: "n"}, At: at, When: &at,
		Ship: dfAddr{Street: "Main", Zip: "12345"}, Items: []dfItem{{SKU: "AB-1", Qty: 2, Price: 9.99}}, Big: 1 << 40,
		Raw: json.RawMessage(`{"free":[1]}`), Any: []any{1.5, "x"}, Pair: [2]int8{-1, 1}, Wait: time.Second,
		IP: netip.MustParseAddr("10.0.0.1"), Choice: "s"}
	withMeta := order
	withMeta.dfMeta = &dfMeta{Source: "web", Trace: "t1"}
	withMeta.Choice = 7
	one := 1
	cases := []dfCase{
		dfCaseOf(t, order, withMeta),
		dfCaseOf(t, dfTree{Name: "root", Kids: []*dfTree{{Name: "k"}, nil}, Up: &dfTree{Name: "u"}}),
		dfCaseOf(t, dfFlags{On: true, Level: 255, Ints: []int{1}, Meta: map[string]string{"a": "b"}, Opt: &one}, dfFlags{Ints: []int{0}}),
		dfCaseOf[map[string]dfItem](t, map[string]dfItem{"a": {SKU: "XY-9", Qty: 1, Price: 1}}),
		dfCaseOf[[]dfAddr](t, []dfAddr{{Street: "s"}}),
		dfCaseOf[any](t, map[string]any{"k": 1}),
		dfCaseOf[string](t, "x"),
		dfCaseOf[*int](t, &one),
	}
	return cases
}

// TestDifferentialSamples: the Go values' own encodings are valid for both
// validators (a check of the reference set-up itself).
func TestDifferentialSamples(t *testing.T) {
	t.Parallel()
	for _, c := range dfCases(t) {
		for _, s := range c.samples {
			require.NoError(t, c.ours(s), "%s: %s", c.name, s)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(s))
			require.NoError(t, err)
			require.NoError(t, c.ref.Validate(inst), "%s: %s", c.name, s)
		}
	}
}

// agree reports a disagreement of the two validators on data, or "".
func (c dfCase) agree(data []byte) string {
	oursErr := c.ours(data)
	inst, perr := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if perr != nil {
		if oursErr == nil {
			return fmt.Sprintf("%s: ours accepts invalid JSON %q (%v)", c.name, data, perr)
		}
		return ""
	}
	refErr := c.ref.Validate(inst)
	switch {
	case oursErr == nil && refErr != nil:
		return fmt.Sprintf("%s: ours accepts, reference refuses %s\n%v", c.name, data, refErr)
	case oursErr != nil && refErr == nil:
		if strings.Contains(oursErr.Error(), "nested deeper") || strings.Contains(oursErr.Error(), "too complex") {
			return ""
		}
		return fmt.Sprintf("%s: ours refuses (%v), reference accepts %s", c.name, oursErr, data)
	}
	return ""
}

func FuzzDifferential(f *testing.F) {
	cases := dfCases(f)
	for i := range cases {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
		f.Add(uint8(i), bytes.Repeat([]byte{0x80, 0x11, 0xfe, 0x33}, 16))
	}
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		c := cases[int(which)%len(cases)]
		g := &gen{src: src, root: c.schema}
		g.strict = g.pick(3) == 0
		g.value(c.schema, 0)
		data := g.finish()
		if msg := c.agree(data); msg != "" {
			t.Fatal(msg)
		}
	})
}

// gen writes a JSON instance for a schema, steered by fuzz bytes.
type gen struct {
	src  []byte
	pos  int
	root map[string]any
	out  []byte
	// strict generates values meant to conform (no mutations, constrained
	// scalars picked from the candidates that fit).
	strict bool
}

func (g *gen) next() byte {
	if g.pos >= len(g.src) {
		return 0
	}
	b := g.src[g.pos]
	g.pos++
	return b
}

// mutate is one, except in strict mode, where it is always false.
func (g *gen) mutate(n int) bool { return !g.strict && g.one(n) }

// one returns true with probability about 1/n (never once the bytes run out).
func (g *gen) one(n int) bool {
	if g.pos >= len(g.src) {
		return false
	}
	return int(g.next())%n == 0
}

func (g *gen) pick(n int) int { return int(g.next()) % n }

func (g *gen) ws() {
	if g.one(16) {
		g.out = append(g.out, []string{" ", "\n", "\t ", "\r\n  "}[g.pick(4)]...)
	}
}

// finish returns the instance, sometimes with its syntax broken.
func (g *gen) finish() []byte {
	out := g.out
	if len(out) > 0 && g.mutate(24) {
		i := g.pick(len(out))
		switch g.pick(4) {
		case 0:
			out = out[:i]
		case 1:
			out[i] = "{}[],:\"x01"[g.pick(10)]
		case 2:
			out = append(out, " x"...)
		default:
			out = slices.Insert(out, i, ',')
		}
	}
	return out
}

func (g *gen) resolve(s map[string]any) map[string]any {
	for range 8 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := g.root["$defs"].(map[string]any)
		next, _ := defs[name].(map[string]any)
		if !ok || next == nil {
			return s
		}
		s = next
	}
	return s
}

// value writes a value for schema s (a map or a bool).
func (g *gen) value(sv any, depth int) {
	g.ws()
	defer g.ws()
	s, _ := sv.(map[string]any)
	if s == nil || depth > 6 {
		g.random(depth)
		return
	}
	s = g.resolve(s)
	if g.mutate(14) {
		g.random(depth) // anything, usually of the wrong type
		return
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
		if list, ok := s[kw].([]any); ok && len(list) > 0 {
			g.value(list[g.pick(len(list))], depth+1)
			return
		}
	}
	if list, ok := s["enum"].([]any); ok && len(list) > 0 && !g.mutate(8) {
		b, _ := json.Marshal(list[g.pick(len(list))])
		g.out = append(g.out, b...)
		return
	}
	typ, _ := s["type"].(string)
	switch typ {
	case "object":
		g.object(s, depth)
	case "array":
		g.array(s, depth)
	case "string":
		g.str(s)
	case "integer":
		g.integer(s)
	case "number":
		g.number(s)
	case "boolean":
		g.out = append(g.out, []string{"true", "false"}[g.pick(2)]...)
	case "null":
		g.out = append(g.out, "null"...)
	default:
		g.random(depth)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (g *gen) key(k string, seen map[string]bool) bool {
	if seen[k] {
		return false
	}
	seen[k] = true
	if len(seen) > 1 {
		g.out = append(g.out, ',')
	}
	g.ws()
	g.string(k)
	g.ws()
	g.out = append(g.out, ':')
	return true
}

func (g *gen) object(s map[string]any, depth int) {
	g.out = append(g.out, '{')
	seen := map[string]bool{}
	props, _ := s["properties"].(map[string]any)
	required := map[string]bool{}
	if list, ok := s["required"].([]any); ok {
		for _, r := range list {
			required[r.(string)] = true
		}
	}
	for _, name := range sortedKeys(props) {
		switch {
		case required[name] && g.mutate(20): // a required property left out
			continue
		case !required[name] && g.pick(2) == 0:
			continue
		}
		k := name
		if g.mutate(12) { // a key matching only case-insensitively
			k = strings.ToUpper(name)
			if k == name {
				k = strings.ToLower(name)
			}
		}
		if g.key(k, seen) {
			g.value(props[name], depth+1)
		}
	}
	if pp, ok := s["patternProperties"].(map[string]any); ok {
		for _, pat := range sortedKeys(pp) {
			for range g.pick(3) {
				k := strconv.Itoa(g.pick(40) - 20)
				if !strings.Contains(pat, "0-9") || g.mutate(8) {
					k = []string{"k", "x1", "-", "007", "1.5"}[g.pick(5)]
				}
				if g.key(k, seen) {
					g.value(pp[pat], depth+1)
				}
			}
		}
	}
	if ap, ok := s["additionalProperties"]; ok {
		for i := range g.pick(4) {
			if g.key("k"+strconv.Itoa(i), seen) {
				g.value(ap, depth+1)
			}
		}
	}
	if g.one(6) { // an unknown property
		if g.key([]string{"extra", "_inngest", "ID", "Status", "é"}[g.pick(5)], seen) {
			g.random(depth + 1)
		}
	}
	g.out = append(g.out, '}')
}

func (g *gen) bounds(s map[string]any, lo, hi string, def int) int {
	minV, hasMin := s[lo].(json.Number)
	maxV, hasMax := s[hi].(json.Number)
	mn, mx := 0, def
	if hasMin {
		n, _ := minV.Int64()
		mn = int(n)
	}
	if hasMax {
		n, _ := maxV.Int64()
		mx = int(n)
	}
	if mx < mn {
		mx = mn
	}
	// Mostly within the bounds, sometimes one past either end.
	n := mn + g.pick(mx-mn+1)
	if g.mutate(6) {
		if g.pick(2) == 0 {
			n = mn - 1
		} else {
			n = mx + 1
		}
	}
	return max(n, 0)
}

func (g *gen) array(s map[string]any, depth int) {
	g.out = append(g.out, '[')
	n := g.bounds(s, "minItems", "maxItems", 4)
	if prefix, ok := s["prefixItems"].([]any); ok && !g.one(6) {
		n = len(prefix)
	}
	for i := range min(n, 6) {
		if i > 0 {
			g.out = append(g.out, ',')
		}
		g.value(s["items"], depth+1)
	}
	g.out = append(g.out, ']')
}

var dfStrings = []string{"", "a", "ab", "AB-12", "AB-", "12345", "1234", "123456", "open", "paid", "Open", "closed",
	"2026-05-06T07:08:09Z", "not a time", "10.0.0.1", "é", "日本語です", "a\"b\\c", "line\nbreak", "\u2028", "\x7f",
	"😀😀", "a@example.com", "abcdefghijklmnopqrstu", "-3", "0"}

func (g *gen) str(s map[string]any) {
	cands := dfStrings
	if g.strict && s != nil {
		cands = nil
		for _, c := range dfStrings {
			if fitsString(s, c) {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			cands = dfStrings
		}
	}
	v := cands[g.pick(len(cands))]
	if g.one(4) && (!g.strict || s == nil || s["pattern"] == nil) {
		n := g.bounds(s, "minLength", "maxLength", 24)
		v = strings.Repeat([]string{"x", "é", "😀"}[g.pick(3)], n)
	}
	g.string(v)
}

func fitsString(s map[string]any, v string) bool {
	n := int64(utf8.RuneCountInString(v))
	if m, ok := s["minLength"].(json.Number); ok {
		if lo, _ := m.Int64(); n < lo {
			return false
		}
	}
	if m, ok := s["maxLength"].(json.Number); ok {
		if hi, _ := m.Int64(); n > hi {
			return false
		}
	}
	if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
		return false
	}
	return true
}

// fitNumbers keeps, in strict mode, the candidates within s's bounds.
func (g *gen) fitNumbers(s map[string]any, cands []string, integer bool) []string {
	if !g.strict || s == nil {
		return cands
	}
	var out []string
	for _, c := range cands {
		f, err := strconv.ParseFloat(c, 64)
		if err != nil || integer && strings.ContainsAny(c, ".eE") {
			continue
		}
		ok := true
		for kw, test := range map[string]func(b float64) bool{
			"minimum": func(b float64) bool { return f >= b }, "maximum": func(b float64) bool { return f <= b },
			"exclusiveMinimum": func(b float64) bool { return f > b }, "exclusiveMaximum": func(b float64) bool { return f < b },
		} {
			if n, has := s[kw].(json.Number); has {
				b, _ := n.Float64()
				ok = ok && test(b)
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return cands
	}
	return out
}

// string writes v as a JSON string, escaping some characters that need not be.
func (g *gen) string(v string) {
	if g.one(5) {
		g.out = append(g.out, '"')
		for _, r := range v {
			if r < 0x10000 && g.pick(2) == 0 {
				g.out = fmt.Appendf(g.out, `\u%04x`, r)
				continue
			}
			b, _ := json.Marshal(string(r))
			g.out = append(g.out, b[1:len(b)-1]...)
		}
		g.out = append(g.out, '"')
		return
	}
	b, _ := json.Marshal(v)
	g.out = append(g.out, b...)
}

func (g *gen) integer(s map[string]any) {
	cands := []string{"0", "1", "-1", "2", "3", "7", "98", "99", "100", "127", "128", "255", "256", "65535", "-129",
		"9007199254740993", "1.0", "1e2", "2E0", "-0", "0.5", "1.5e1", "99.000", "1e400"}
	for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
		if n, ok := s[kw].(json.Number); ok {
			cands = append(cands, n.String(), n.String()+".0")
		}
	}
	cands = g.fitNumbers(s, cands, true)
	g.out = append(g.out, cands[g.pick(len(cands))]...)
}

func (g *gen) number(s map[string]any) {
	cands := []string{"0", "-0", "0.0", "1", "1.5", "-2.25", "12.5", "1e3", "1E-3", "999.999", "1000", "1000.0", "1e-400",
		"-1e-400", "1e400", "0.1", "3.4028235e38", "3.5e38", "5e-324"}
	for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
		if n, ok := s[kw].(json.Number); ok {
			cands = append(cands, n.String())
		}
	}
	cands = g.fitNumbers(s, cands, false)
	g.out = append(g.out, cands[g.pick(len(cands))]...)
}

// random writes a value of a random kind.
func (g *gen) random(depth int) {
	k := g.pick(8)
	if depth > 6 && k < 2 {
		k = 2
	}
	switch k {
	case 0:
		g.object(map[string]any{"additionalProperties": true}, depth+1)
	case 1:
		g.array(map[string]any{"maxItems": json.Number("2")}, depth+1)
	case 2:
		g.str(nil)
	case 3:
		g.integer(nil)
	case 4:
		g.number(nil)
	case 5:
		g.out = append(g.out, []string{"true", "false"}[g.pick(2)]...)
	default:
		g.out = append(g.out, "null"...)
	}
}

// addGoKeywords marks, in every subschema, what encoding/json needs beyond
// JSON Schema: integers without fraction or exponent, case-folded keys.
func addGoKeywords(s map[string]any) {
	if t, ok := s["type"].(string); ok && t == "integer" {
		s["x-go-integer"] = true
	}
	if props, ok := s["properties"].(map[string]any); ok && len(props) > 0 {
		s["x-go-fold"] = true
	}
	for _, kw := range []string{"properties", "patternProperties", "$defs"} {
		if m, ok := s[kw].(map[string]any); ok {
			for _, sub := range m {
				if sm, ok := sub.(map[string]any); ok {
					addGoKeywords(sm)
				}
			}
		}
	}
	for _, kw := range []string{"items", "additionalProperties", "not", "contains"} {
		if sm, ok := s[kw].(map[string]any); ok {
			addGoKeywords(sm)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf", "prefixItems"} {
		if list, ok := s[kw].([]any); ok {
			for _, sub := range list {
				if sm, ok := sub.(map[string]any); ok {
					addGoKeywords(sm)
				}
			}
		}
	}
}

const goVocabURL = "mem://go-vocab"

func goVocab(t testing.TB) *jsonschema.Vocabulary {
	meta, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"properties":{"x-go-integer":{"type":"boolean"},"x-go-fold":{"type":"boolean"}}}`))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(goVocabURL, meta))
	sch, err := c.Compile(goVocabURL)
	require.NoError(t, err)
	return &jsonschema.Vocabulary{URL: goVocabURL, Schema: sch, Compile: compileGoKeywords}
}

func compileGoKeywords(ctx *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	var ext goExt
	if v, _ := obj["x-go-integer"].(bool); v {
		ext.integer = true
	}
	if v, _ := obj["x-go-fold"].(bool); v {
		props := obj["properties"].(map[string]any)
		ext.props = map[string]*jsonschema.Schema{}
		for _, name := range sortedKeys(props) {
			ext.names = append(ext.names, name)
			ext.props[name] = ctx.Enqueue([]string{"properties", name})
		}
	}
	if !ext.integer && ext.props == nil {
		return nil, nil
	}
	return &ext, nil
}

type goExt struct {
	integer bool
	names   []string
	props   map[string]*jsonschema.Schema
}

func (e *goExt) Validate(ctx *jsonschema.ValidatorContext, v any) {
	if n, ok := v.(json.Number); ok && e.integer && strings.ContainsAny(string(n), ".eE") {
		ctx.AddError(goKindError("x-go-integer"))
	}
	obj, ok := v.(map[string]any)
	if !ok || e.props == nil {
		return
	}
	for _, k := range sortedKeys(obj) {
		if _, exact := e.props[k]; exact {
			continue
		}
		for _, name := range e.names {
			if strings.EqualFold(k, name) {
				if err := ctx.Validate(e.props[name], obj[k], []string{k}); err != nil {
					ctx.AddErr(err)
				}
				break
			}
		}
	}
}

type goKindError string

func (e goKindError) KeywordPath() []string { return []string{string(e)} }

func (e goKindError) LocalizedString(*message.Printer) string {
	if e == "x-go-integer" {
		return "integer written with a fraction or exponent"
	}
	return string(e)
}

// TestDifferentialRandom runs the generator on seeded random bytes, so that
// every test run compares the validators on some thousands of instances, and
// checks that the generator makes both valid and invalid ones.
func TestDifferentialRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range dfCases(t) {
		valid, invalid := 0, 0
		for range 1500 {
			src := make([]byte, r.IntN(200))
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			g := &gen{src: src, root: c.schema}
			g.strict = g.pick(3) == 0
			g.value(c.schema, 0)
			data := g.finish()
			require.Empty(t, c.agree(data))
			if c.ours(data) == nil {
				valid++
			} else {
				invalid++
			}
		}
		require.Greater(t, valid, 100, c.name)
		if c.name != "<nil>" { // any accepts every valid JSON
			require.Greater(t, invalid, 50, c.name)
		}
	}
}

// TestDifferentialFound holds the disagreements the differential fuzz found,
// now agreed on: bounds and enum members compared by float64 value, so that a
// literal rounding onto the bound (1e-400 onto 0) or onto a member compared
// equal to it.
func TestDifferentialFound(t *testing.T) {
	t.Parallel()
	cases := dfCases(t)
	items, order := cases[3], cases[0]
	for _, tc := range []struct {
		c     dfCase
		data  string
		valid bool
	}{
		{items, `{"a":{"sku":"AB-1","qty":1,"price":1e-400}}`, true},                 // > exclusiveMinimum 0
		{items, `{"a":{"sku":"AB-1","qty":1,"price":999.99999999999999999}}`, true},  // < exclusiveMaximum 1000
		{items, `{"a":{"sku":"AB-1","qty":1,"price":1000.0000000000000001}}`, false}, // not < 1000
		{items, `{"a":{"sku":"AB-1","qty":99,"price":1}}`, true},                     // maximum 99
		{items, `{"a":{"sku":"AB-1","qty":100,"price":1}}`, false},                   // over maximum 99
		{order, orderWith(`"rank":2`), true},                                         // enum 1, 2, 3
		{order, orderWith(`"rank":2.0`), false},                                      // integer literal only
		{order, orderWith(`"total":-1e-400`), false},                                 // below minimum 0
		{order, orderWith(`"total":-0.0`), true},                                     // -0 = 0
		{order, orderWith(`"version":0.99999999999999999999e0`), false},              // not an integer literal
		{order, orderWith(`"version":1`), true},                                      // minimum 1
		// The modelled differences: the reference alone would accept both.
		{items, `{"a":{"sku":"AB-1","qty":1,"price":1,"SKU":"x"}}`, false}, // SKU fills sku in encoding/json
		{items, `{"a":{"sku":"AB-1","qty":1e0,"price":1}}`, false},         // encoding/json cannot decode 1e0 into uint16
	} {
		err := tc.c.ours([]byte(tc.data))
		require.Equal(t, tc.valid, err == nil, "%s: %v", tc.data, err)
		require.Empty(t, tc.c.agree([]byte(tc.data)))
	}
}

func orderWith(field string) string {
	return `{"id":"o","status":"open","total":1,"tags":null,"at":"2026-01-01T00:00:00Z","ship":{"street":"s"},"big":"1","flag":true,"pair":[1,2],` + field + `}`
}
