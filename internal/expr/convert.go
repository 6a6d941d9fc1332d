package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
)

// maxDepth bounds the nesting of values converted from CEL.
const maxDepth = 100

var errTooDeep = errors.New("result nested too deeply")

// toNative converts a CEL value to a plain Go value.
func toNative(v ref.Val, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		return uint64(x), nil
	case types.Double:
		return float64(x), nil
	case types.String:
		return string(x), nil
	case types.Bytes:
		return []byte(x), nil
	case types.Timestamp:
		return x.Time, nil
	case types.Duration:
		return x.Duration, nil
	}
	// Values taken straight from the input keep their native form.
	switch raw := v.Value().(type) {
	case map[string]any:
		return raw, nil
	case []any:
		return raw, nil
	}
	switch x := v.(type) {
	case traits.Mapper:
		out := map[string]any{}
		it := x.Iterator()
		for it.HasNext() == types.True {
			k := it.Next()
			kv, err := toNative(k, depth+1)
			if err != nil {
				return nil, err
			}
			ks, ok := kv.(string)
			if !ok {
				if ks, err = keyString(kv); err != nil {
					return nil, err
				}
			}
			val, err := toNative(x.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[ks] = val
		}
		return out, nil
	case traits.Lister:
		n, _ := x.Size().(types.Int)
		out := make([]any, 0, int(n))
		it := x.Iterator()
		for it.HasNext() == types.True {
			val, err := toNative(it.Next(), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	return nil, fmt.Errorf("unsupported result type %s", v.Type().TypeName())
}

// toInt converts a priority result to an int64.
func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case uint64:
		if n > math.MaxInt64 {
			return 0, fmt.Errorf("%d overflows int64", n)
		}
		return int64(n), nil
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, fmt.Errorf("must evaluate to an int, got %v", n)
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("must evaluate to an int, got %T", v)
}

// keyString renders a key value as a stable string.
func keyString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case time.Duration:
		return timestr.Format(x), nil
	}
	// Numbers use JSON's shortest form (3 → "3", 0.1 → "0.1", 1e21 →
	// "1e+21"); lists and maps are compact JSON with sorted keys.
	b, err := jsoncodec.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("rendering key: %w", err)
	}
	return string(b), nil
}
