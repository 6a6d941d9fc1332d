package wire

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"RFC 8785 3.2.2 sample",
			"{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n              2e-3, 0.000000000000000000000000001],\n" +
				"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}",
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		{"RFC 8785 3.2.3 key ordering (UTF-16 code units)",
			`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",` +
				`"\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\"," +
				"\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"nested sort and whitespace", " { \"b\" : [ 1 , { \"d\":1, \"c\":2 } ] ,\t\"a\":\r\n{} } ", `{"a":{},"b":[1,{"c":2,"d":1}]}`},
		{"no escaping of & < > and U+2028", `"\u0026\u003c\u003e\u2028 & < >"`, "\"&<>\u2028 & < >\""},
		{"control characters", `"\u0000\u0001\b\f\n\r\t\u001f\u007f"`, "\"\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\u007f\""},
		{"solidus unescaped", `"a\/b"`, `"a/b"`},
		{"raw non-ASCII kept", `"héllo 😀"`, `"héllo 😀"`},
		{"1e30", `1e30`, `1e+30`},
		{"0.1", `0.1`, `0.1`},
		{"-0", `-0`, `0`},
		{"-0.0", `-0.0e5`, `0`},
		{"1E2", `1E2`, `100`},
		{"1e21", `1e21`, `1e+21`},
		{"1e20", `1e20`, `100000000000000000000`},
		{"1e-6", `0.000001`, `0.000001`},
		{"1e-7", `1e-7`, `1e-7`},
		{"-1.5e-10", `-1.5e-10`, `-1.5e-10`},
		{"2^53", `9007199254740992`, `9007199254740992`},
		{"large int loses precision", `12345678901234567890`, `12345678901234567000`},
		{"underflow to zero", `1e-400`, `0`},
		{"empty containers", `[{},[],""]`, `[{},[],""]`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize([]byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			again, err := Canonicalize(got)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "idempotent")
		})
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"whitespace only", "  "},
		{"trailing data", `{} {}`},
		{"trailing comma array", `[1,]`},
		{"trailing comma object", `{"a":1,}`},
		{"unquoted key", `{a:1}`},
		{"missing colon", `{"a" 1}`},
		{"duplicate key", `{"a":1,"a":2}`},
		{"duplicate key via escape", `{"a":1,"\u0061":2}`},
		{"leading zero", `01`},
		{"bare minus", `-`},
		{"dot without digits", `1.`},
		{"leading dot", `.5`},
		{"exponent without digits", `1e`},
		{"plus sign", `+1`},
		{"NaN", `NaN`},
		{"Infinity", `Infinity`},
		{"out of range", `1e400`},
		{"negative out of range", `-1e400`},
		{"bad literal", `tru`},
		{"unterminated string", `"abc`},
		{"raw control char", "\"a\x01\""},
		{"bad escape", `"\x"`},
		{"short unicode escape", `"\u12"`},
		{"lone high surrogate", `"\ud83d"`},
		{"lone high surrogate then char", `"\ud83dx"`},
		{"lone low surrogate", `"\ude00"`},
		{"high surrogate then non-low", `"\ud83d\u0041"`},
		{"invalid UTF-8", "\"\xff\""},
		{"invalid UTF-8 after escape", "\"\\n\xc3\""},
		{"unterminated object", `{"a":1`},
		{"unterminated array", `[1`},
		{"single quotes", `'a'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize([]byte(tc.in))
			require.ErrorIs(t, err, ErrCanonicalSyntax)
			require.Nil(t, got)
		})
	}
}

func TestCanonicalizeDepth(t *testing.T) {
	t.Parallel()
	for _, open := range []string{"[", `{"a":`} {
		closer := "]"
		if open != "[" {
			closer = "}"
		}
		ok := strings.Repeat(open, MaxCanonicalDepth) + "1" + strings.Repeat(closer, MaxCanonicalDepth)
		_, err := Canonicalize([]byte(ok))
		require.NoError(t, err)

		deep := strings.Repeat(open, 10000) + "1" + strings.Repeat(closer, 10000)
		_, err = Canonicalize([]byte(deep))
		require.ErrorIs(t, err, ErrCanonicalDepth)

		// Unterminated deep input must not blow up either.
		_, err = Canonicalize([]byte(strings.Repeat(open, 1_000_000)))
		require.ErrorIs(t, err, ErrCanonicalDepth)
	}
}

// TestESNumber checks the RFC 8785 Appendix B number vectors (IEEE-754 bits → text).
func TestESNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			f := math.Float64frombits(tc.bits)
			require.Equal(t, tc.want, string(appendESNumber(nil, f)))
			// Through the parser too: the text parses back to the same value.
			got, err := Canonicalize([]byte(tc.want))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

func TestCompareUTF16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"", "", 0},
		{"a", "a", 0},
		{"a", "b", -1},
		{"a", "ab", -1},
		{"\uffff", "\U0001F600", 1}, // U+FFFF > high surrogate D83D
		{"\ue000", "\U00010000", 1}, // byte order would say the opposite
		{"\ud7ff", "\U00010000", -1},
		{"\U0001F600", "\U0001F601", -1},
		{"\U00010400", "\U0001F600", -1},
	}
	for _, tc := range tests {
		got := compareUTF16(tc.a, tc.b)
		switch {
		case tc.want < 0:
			require.Negative(t, got, "%q < %q", tc.a, tc.b)
		case tc.want > 0:
			require.Positive(t, got, "%q > %q", tc.a, tc.b)
		default:
			require.Zero(t, got)
		}
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[1.0,2e3,-0,"x\u0026y"]}`,
		`{"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}`,
		`[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]`,
		`"\u0000\"\\\/\b\f\n\r\t"`,
		`{"a":{"a":{"a":[[[]]]}}}`,
		`{"a":1,"a":2}`,
		`1e400`,
		"\"\xff\"",
		`[1,]`,
		exampleBody,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		if err != nil {
			require.Nil(t, out)
			return
		}
		require.True(t, json.Valid(in), "accepted invalid JSON %q", in)
		require.True(t, json.Valid(out), "produced invalid JSON %q", out)
		again, err := Canonicalize(out)
		require.NoError(t, err)
		require.Equal(t, string(out), string(again), "not idempotent")
		var a, b any
		require.NoError(t, json.Unmarshal(in, &a))
		require.NoError(t, json.Unmarshal(out, &b))
		require.Equal(t, a, b, "meaning changed")
	})
}

func BenchmarkCanonicalize(b *testing.B) {
	in := []byte(`{"steps":{"857c0b3e9253ce40ce09381575f27504abb803ea":{"data":{"id":"u_1"}}},` +
		`"ctx":{"run_id":"01K2Z6V3M6Q8C2N9X1T4B7D5EF","attempt":0,"stack":{"stack":[],"current":0}},` +
		`"event":{"name":"billing/invoice.created","data":{"account_id":"a1","amount":12.5}},"version":2}`)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Canonicalize(in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCanonicalizeWithout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, drop, want string
		wantErr              bool
	}{
		{"drops the top-level key only", `{"user":{"a":1},"name":"x","data":{"user":2}}`, "user", `{"data":{"user":2},"name":"x"}`, false},
		{"first member", `{"a":1,"b":2}`, "a", `{"b":2}`, false},
		{"absent key", ` {"b" : 2, "a":1} `, "user", `{"a":1,"b":2}`, false},
		{"only member", `{"a":{"z":1,"y":2}}`, "a", `{}`, false},
		{"empty object", `{}`, "a", `{}`, false},
		{"duplicate of the dropped key", `{"a":1,"a":2}`, "a", ``, true},
		{"not an object", `[1]`, "a", ``, true},
		{"invalid", `{"a":`, "a", ``, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CanonicalizeWithout([]byte(tc.in), tc.drop)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

func FuzzCanonicalizeWithout(f *testing.F) {
	for _, s := range []string{`{"user":{},"data":{"a":[1,2]},"id":"x"}`, `{"a":1}`, `{}`, `[]`, `{"user":1,"user":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := CanonicalizeWithout(raw, "user")
		var m map[string]json.RawMessage
		if err != nil || json.Unmarshal(raw, &m) != nil {
			return
		}
		// Same as decoding, deleting the key and canonicalizing.
		delete(m, "user")
		b, merr := json.Marshal(m)
		require.NoError(t, merr)
		want, werr := Canonicalize(b)
		require.NoError(t, werr)
		require.Equal(t, string(want), string(got))
		again, err := Canonicalize(got)
		require.NoError(t, err)
		require.Equal(t, string(got), string(again))
	})
}
