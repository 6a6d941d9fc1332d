package jsoncodec_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/stretchr/testify/require"
)

// codecFuncs are the encoding/json functions that do JSON work; calling them
// outside this package would bypass the module's codec. Types stay allowed.
var codecFuncs = map[string]bool{
	"Marshal": true, "MarshalIndent": true, "Unmarshal": true, "Valid": true,
	"NewEncoder": true, "NewDecoder": true, "Compact": true, "Indent": true, "HTMLEscape": true,
}

// TestOneCodec walks the module's non-test Go files and fails on any call of an
// encoding/json codec function, and on any other JSON library imported, outside
// this package. The example app is user code and uses encoding/json as users do.
// runtype is a leaf package that imports nothing of this module, so it calls
// encoding/json itself (which is what jsoncodec's user-value functions are);
// internal/realserver holds the recorders run by hand against the real server,
// which write recordings with encoding/json and protojson and are not on any
// path of the SDK or the engine.
func TestOneCodec(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case "examples", "testdata", filepath.Join("internal", "jsoncodec"), "runtype", filepath.Join("internal", "realserver"):
				return filepath.SkipDir
			}
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		jsonName := ""
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "encoding/json":
				jsonName = "json"
				if imp.Name != nil {
					jsonName = imp.Name.Name
				}
			case strings.Contains(p, "json") && !strings.HasSuffix(p, "/internal/jsoncodec") && !strings.HasPrefix(p, "github.com/seed-b02f2472/inngest-go/") && p != "github.com/invopop/jsonschema":
				bad = append(bad, rel+": imports "+p)
			}
		}
		if jsonName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == jsonName && codecFuncs[sel.Sel.Name] {
					bad = append(bad, rel+": calls encoding/json."+sel.Sel.Name+" (use internal/jsoncodec)")
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, bad)
}

type tagged struct {
	Name  string            `json:"name"`
	Skip  string            `json:"-"`
	Empty string            `json:"empty,omitempty"`
	HTML  string            `json:"html"`
	Map   map[string]int    `json:"map"`
	Raw   json.RawMessage   `json:"raw"`
	Num   json.Number       `json:"num"`
	Inner *tagged           `json:"inner,omitempty"`
	Any   any               `json:"any"`
	Strs  map[string]string `json:"strs,omitempty"`
}

// TestSameAsEncodingJSON pins the encoding/json semantics users rely on: the
// codec's output and results equal encoding/json's.
func TestSameAsEncodingJSON(t *testing.T) {
	t.Parallel()
	v := tagged{Name: "é\u2028", Skip: "x", HTML: "<a&b>", Map: map[string]int{"b": 2, "a": 1}, Raw: json.RawMessage(`{"z":1}`),
		Num: "1.5e3", Inner: &tagged{Name: "in"}, Any: []any{1.5, "s", nil, true}, Strs: map[string]string{"k": "\xff"}}
	want, err := json.Marshal(v)
	require.NoError(t, err)
	got, err := jsoncodec.Marshal(v)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))

	wantInd, _ := json.MarshalIndent(v, "", "  ")
	gotInd, _ := jsoncodec.MarshalIndent(v, "", "  ")
	require.Equal(t, string(wantInd), string(gotInd))

	for _, in := range []string{string(want), `{"name":1}`, `{"map":{"a":"x"}}`, `{"name":"a"`, `[1,2]`, `null`, `{"any":{"big":12345678901234567890}}`, `{"NAME":"case"}`} {
		var a, b tagged
		errA := json.Unmarshal([]byte(in), &a)
		errB := jsoncodec.Unmarshal([]byte(in), &b)
		require.Equal(t, errA == nil, errB == nil, in)
		if errA == nil {
			// After an error the partly decoded values may differ (package doc).
			require.Equal(t, a, b, in)
		}
		var ta *json.UnmarshalTypeError
		var tb *json.UnmarshalTypeError
		require.Equal(t, errors.As(errA, &ta), errors.As(errB, &tb), in)
		require.Equal(t, json.Valid([]byte(in)), jsoncodec.Valid([]byte(in)), in)
	}

	_, errA := json.Marshal(math.Inf(1))
	_, errB := jsoncodec.Marshal(math.Inf(1))
	require.Error(t, errA)
	require.Error(t, errB)
}

// TestObject checks Object decodes as a map[string]any does, and that an empty
// object costs a small map (the former codec sized one for 64 keys). Not parallel:
// it measures the heap.
func TestObject(t *testing.T) {
	for _, in := range []string{`{}`, `null`, `{"a":{"b":[1,"x",null]},"c":true}`, `"x"`, `[1]`, `{"a":`} {
		var want map[string]any
		var got jsoncodec.Object
		errWant := json.Unmarshal([]byte(in), &want)
		errGot := jsoncodec.Unmarshal([]byte(in), &got)
		require.Equal(t, errWant == nil, errGot == nil, in)
		if errWant == nil {
			require.Equal(t, want == nil, got == nil, in)
			require.Equal(t, want, map[string]any(got), in)
		}
	}
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var o struct {
				User jsoncodec.Object `json:"user"`
			}
			if err := jsoncodec.Unmarshal([]byte(`{"user":{}}`), &o); err != nil {
				b.Fatal(err)
			}
		}
	})
	require.Less(t, res.AllocedBytesPerOp(), int64(1024))
}

// TestDifferencesOfTheFormerCodec pins the values on which the codec used before
// (github.com/segmentio/encoding/json, now UnmarshalWire only) differed from
// encoding/json: a Duration as a number, omitzero, a time outside [0,9999].
func TestDifferencesOfTheFormerCodec(t *testing.T) {
	t.Parallel()
	type v struct {
		D   time.Duration  `json:"d"`
		Any any            `json:"any"`
		P   *time.Duration `json:"p"`
		Z   time.Time      `json:"z,omitzero"`
		N   int            `json:"n,omitzero"`
	}
	d := time.Second
	b, err := jsoncodec.Marshal(v{D: 5 * time.Second, Any: map[int]time.Duration{1: time.Minute}, P: &d})
	require.NoError(t, err)
	require.Equal(t, `{"d":5000000000,"any":{"1":60000000000},"p":1000000000}`, string(b))

	_, err = jsoncodec.Marshal(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	var me *json.MarshalerError
	require.ErrorAs(t, err, &me)

	var got time.Duration
	err = jsoncodec.Unmarshal([]byte(`"5s"`), &got)
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
}
