package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// str is a JSON string of n bytes (quotes included) of the byte c.
func str(c byte, n int) json.RawMessage {
	return json.RawMessage(`"` + strings.Repeat(string(c), n-2) + `"`)
}

// TestCheckOpSizeAtTheLimit measures ops as the server does (GeneratorOpcode.
// Output and Input, re-encoded by encoding/json), at the limit and one byte
// over.
func TestCheckOpSizeAtTheLimit(t *testing.T) {
	t.Parallel()
	const wrap = len(`{"data":}`)
	escaped := func(n int) json.RawMessage { // a string of n '<', 6n+2 bytes once escaped
		return json.RawMessage(`"` + strings.Repeat("<", n) + `"`)
	}
	input := func(n int) json.RawMessage { // opts whose input is n bytes
		return json.RawMessage(`{"type":"step.ai.wrap","input":` + string(str('x', n)) + `}`)
	}
	for _, tc := range []struct {
		name string
		op   Op
		want error
	}{
		{"output at the limit", Op{Op: OpStepRun, Data: str('x', MaxStepOutputBytes-wrap)}, nil},
		{"output one byte over", Op{Op: OpStepRun, Data: str('x', MaxStepOutputBytes-wrap+1)}, ErrStepOutputTooLarge},
		{"escaped output at the limit", Op{Op: OpStepRun, Data: escaped((MaxStepOutputBytes - wrap - 2) / 6)}, nil},
		{"escaped output over", Op{Op: OpStepRun, Data: escaped((MaxStepOutputBytes-wrap-2)/6 + 1)}, ErrStepOutputTooLarge},
		{"legacy Step data is not wrapped", Op{Op: OpStep, Data: str('x', MaxStepOutputBytes)}, nil},
		{"error output over", Op{Op: OpStepError, Error: &MemoError{Name: "Error", Message: strings.Repeat("x", MaxStepOutputBytes)}}, ErrStepOutputTooLarge},
		{"input at the limit", Op{Op: OpStepRun, Data: json.RawMessage("1"), Opts: input(MaxStepInputBytes)}, nil},
		{"input one byte over", Op{Op: OpStepRun, Data: json.RawMessage("1"), Opts: input(MaxStepInputBytes + 1)}, ErrStepInputTooLarge},
		{"AI request body over", Op{Op: OpAIGateway, Opts: json.RawMessage(`{"url":"u","body":` + string(str('x', MaxStepInputBytes+1)) + `}`)}, ErrStepInputTooLarge},
		{"large opts of an invoke are not an input", Op{Op: OpInvokeFunction, Opts: json.RawMessage(`{"payload":{"data":{"x":` + string(str('x', MaxStepInputBytes+1)) + `}}}`)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckOpSize(&tc.op)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// TestOutputSizeMatchesEncodingJSON: above the cheap bound, OutputSize is the
// length encoding/json gives the server's {"data": …} (escapes counted without
// encoding), for compact values and for values with spaces.
func TestOutputSizeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	for _, raw := range []string{
		`"` + big + `<>&` + "\u2028\u2029" + `"`,
		`{"a":"` + big + `","b":[1,2,"<"]}`,
		`"` + strings.Repeat("\u2028", 1<<20) + `"`,
		`"` + strings.Repeat("&", 700_000) + `"`,
	} {
		want, err := json.Marshal(map[string]json.RawMessage{"data": json.RawMessage(raw)})
		require.NoError(t, err)
		require.Equal(t, len(want), OutputSize(&Op{Op: OpStepRun, Data: json.RawMessage(raw)}))
	}
	spaced := json.RawMessage(`{ "a" : "` + big + `" }`)
	got := OutputSize(&Op{Op: OpStepRun, Data: spaced})
	want, _ := json.Marshal(map[string]json.RawMessage{"data": spaced})
	require.GreaterOrEqual(t, got, len(want), "an upper bound for JSON with spaces")
	require.Less(t, got, len(want)+16)
}
