package engine

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// A wait or cancel expression made only of equalities between fields of the
// candidate event (async) and fields of the run's trigger or literals
// (expr.Program.Equalities), such as async.data.k == event.data.k, holds for
// an event exactly when the event's values at those fields equal the values
// the pause needs, which are known when the pause is indexed. Such a pause is
// indexed under its shape (the async fields, in a canonical order) and its
// key (the values needed, encoded so that two values get the same encoding
// exactly when CEL finds them equal); an event then finds its pauses with one
// map lookup per shape instead of evaluating every expression.

// keyedPause is the index entry of such a pause.
type keyedPause struct {
	// shape encodes the async paths; paths are the paths themselves.
	shape string
	paths [][]string
	// key encodes the values the event must have at paths.
	key string
}

// pauseKeyFor computes where a pause whose expression has the terms eqs is
// indexed, given its run's decoded trigger. ok is false when the pause
// cannot be indexed (a term compares a map or a list, or two terms test the
// same async field): its expression must then be evaluated. never is true
// when no event can match it (a trigger field the expression reads is
// missing, as CEL reports it).
func pauseKeyFor(eqs []expr.Equality, trigger map[string]any) (k keyedPause, ok, never bool) {
	type term struct {
		path  string
		value any
		eq    expr.Equality
	}
	terms := make([]term, 0, len(eqs))
	for _, eq := range eqs {
		v := eq.Literal
		if eq.Event != nil {
			var found bool
			if v, found = lookupPath(trigger, eq.Event); !found {
				return keyedPause{}, false, true
			}
		}
		terms = append(terms, term{path: encodePath(eq.Async), value: v, eq: eq})
	}
	slices.SortFunc(terms, func(a, b term) int { return strings.Compare(a.path, b.path) })
	var shape, key []byte
	for i, t := range terms {
		if i > 0 && t.path == terms[i-1].path {
			return keyedPause{}, false, false
		}
		var keyable bool
		if key, keyable = appendValueKey(key, t.value); !keyable {
			return keyedPause{}, false, false
		}
		shape = append(shape, t.path...)
		k.paths = append(k.paths, t.eq.Async)
	}
	k.shape, k.key = string(shape), string(key)
	return k, true, false
}

// eventKey encodes the values of async at paths as pauseKeyFor encodes a
// pause's; ok is false when a path is missing or holds a map or a list (no
// indexed pause can match then).
func eventKey(buf []byte, paths [][]string, async map[string]any) ([]byte, bool) {
	for _, p := range paths {
		v, found := lookupPath(async, p)
		if !found {
			return buf, false
		}
		var ok bool
		if buf, ok = appendValueKey(buf, v); !ok {
			return buf, false
		}
	}
	return buf, true
}

// lookupPath follows path through nested maps, as CEL's field selection on
// a JSON object does.
func lookupPath(m map[string]any, path []string) (any, bool) {
	var v any = m
	for _, f := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[f]; !ok {
			return nil, false
		}
	}
	return v, true
}

// appendValueKey appends the encoding of a JSON scalar (or an
// expr.Equality literal), length-prefixed so that concatenations stay
// unambiguous: two values encode alike exactly when CEL's == holds between
// them (numbers compare by value, -0 equals 0; no equality across types).
// ok is false for maps, lists and other types.
func appendValueKey(b []byte, v any) ([]byte, bool) {
	var tag byte
	var s string
	switch x := v.(type) {
	case nil:
		tag = 'z'
	case bool:
		tag, s = 'f', ""
		if x {
			tag = 't'
		}
	case string:
		tag, s = 's', x
	case float64:
		if math.IsNaN(x) {
			return b, false // equal to nothing; JSON has no NaN
		}
		if x == 0 {
			x = 0 // -0 == 0
		}
		tag, s = 'n', strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return b, false
	}
	b = append(b, tag)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...), true
}

// encodePath encodes an async path, length-prefixed like a key.
func encodePath(path []string) string {
	var b []byte
	for _, f := range path {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	b = append(b, ';')
	return string(b)
}
