package expr

import (
	"encoding/base64"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
)

// Limits that keep hostile expressions cheap.
const (
	// MaxSourceLen is the longest expression source accepted, in bytes.
	MaxSourceLen = 16 << 10
	// EvalTimeout bounds one evaluation of an expression that loops
	// (all, exists, exists_one, map, filter); beyond it evaluation stops
	// with an error.
	EvalTimeout = 500 * time.Millisecond
	// interruptEvery is how many loop iterations run between deadline
	// checks.
	interruptEvery = 64
	// maxNesting bounds parser recursion (nested parentheses, calls).
	maxNesting = 64
	// maxComprehensionNesting bounds nested macros such as all/exists.
	maxComprehensionNesting = 2
)

var (
	envNoAsync = sync.OnceValues(func() (*cel.Env, error) { return newEnv(false) })
	envAsync   = sync.OnceValues(func() (*cel.Env, error) { return newEnv(true) })
)

func envFor(k Kind) (*cel.Env, error) {
	if k.hasAsync() {
		return envAsync()
	}
	return envNoAsync()
}

func newEnv(async bool) (*cel.Env, error) {
	obj := cel.MapType(cel.StringType, cel.DynType)
	opts := []cel.EnvOption{
		cel.Variable("event", obj),
		cel.Variable("vars", obj),
		cel.CrossTypeNumericComparisons(true),
		cel.EnableMacroCallTracking(),
		cel.ParserRecursionLimit(maxNesting),
		cel.ParserExpressionSizeLimit(MaxSourceLen),
		cel.ASTValidators(cel.ValidateComprehensionNestingLimit(maxComprehensionNesting)),
	}
	if async {
		opts = append(opts, cel.Variable("async", obj))
	}
	opts = append(opts, helperFunctions()...)
	return cel.NewEnv(opts...)
}

// helperFunctions declares the helpers the Inngest server offers in
// expressions, implemented here from their documented behaviour.
func helperFunctions() []cel.EnvOption {
	str := func(f func(string) ref.Val) func(ref.Val) ref.Val {
		return func(v ref.Val) ref.Val {
			s, ok := v.(types.String)
			if !ok {
				return types.MaybeNoSuchOverloadErr(v)
			}
			return f(string(s))
		}
	}
	offset := func(sign time.Duration) func(string) ref.Val {
		return func(s string) ref.Val {
			d, err := timestr.Parse(s)
			if err != nil {
				return types.NewErrFromString(err.Error())
			}
			return types.Timestamp{Time: time.Now().Add(sign * d)}
		}
	}
	return []cel.EnvOption{
		cel.Function("lowercase", cel.Overload("lowercase_string", []*cel.Type{cel.StringType}, cel.StringType,
			cel.UnaryBinding(str(func(s string) ref.Val { return types.String(strings.ToLower(s)) })))),
		cel.Function("uppercase", cel.Overload("uppercase_string", []*cel.Type{cel.StringType}, cel.StringType,
			cel.UnaryBinding(str(func(s string) ref.Val { return types.String(strings.ToUpper(s)) })))),
		cel.Function("b64decode", cel.Overload("b64decode_string", []*cel.Type{cel.StringType}, cel.StringType,
			cel.UnaryBinding(str(func(s string) ref.Val {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return types.NewErr("b64decode: %v", err)
				}
				return types.String(b)
			})))),
		cel.Function("json_parse", cel.Overload("json_parse_string", []*cel.Type{cel.StringType}, cel.DynType,
			cel.UnaryBinding(str(func(s string) ref.Val {
				var v any
				if err := jsoncodec.Unmarshal([]byte(s), &v); err != nil {
					return types.NewErr("json_parse: %v", err)
				}
				return types.DefaultTypeAdapter.NativeToValue(v)
			})))),
		cel.Function("date", cel.Overload("date_dyn", []*cel.Type{cel.DynType}, cel.TimestampType,
			cel.UnaryBinding(toDate))),
		cel.Function("now", cel.Overload("now", nil, cel.TimestampType,
			cel.FunctionBinding(func(...ref.Val) ref.Val { return types.Timestamp{Time: time.Now()} }))),
		cel.Function("now_plus", cel.Overload("now_plus_string", []*cel.Type{cel.StringType}, cel.TimestampType,
			cel.UnaryBinding(str(offset(1))))),
		cel.Function("now_minus", cel.Overload("now_minus_string", []*cel.Type{cel.StringType}, cel.TimestampType,
			cel.UnaryBinding(str(offset(-1))))),
	}
}

// toDate converts an RFC 3339 string or a Unix time number to a
// timestamp. Numbers are read as seconds, milliseconds, microseconds or
// nanoseconds depending on their magnitude.
func toDate(v ref.Val) ref.Val {
	var n float64
	switch x := v.(type) {
	case types.Timestamp:
		return x
	case types.String:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, string(x)); err == nil {
				return types.Timestamp{Time: t}
			}
		}
		return types.NewErr("date: cannot parse %q", string(x))
	case types.Int:
		n = float64(x)
	case types.Uint:
		n = float64(x)
	case types.Double:
		n = float64(x)
	default:
		return types.MaybeNoSuchOverloadErr(v)
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return types.NewErr("date: not a finite number")
	}
	switch a := math.Abs(n); {
	case a < 1e11:
		n *= 1e9
	case a < 1e14:
		n *= 1e6
	case a < 1e17:
		n *= 1e3
	}
	if math.Abs(n) >= math.MaxInt64 {
		return types.NewErr("date: out of range")
	}
	return types.Timestamp{Time: time.Unix(0, int64(n)).UTC()}
}
