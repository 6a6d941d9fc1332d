package expr

import (
	"math"

	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// Equality is one term of a wait or cancel expression that compares a field
// of the candidate event with a field of the run's trigger or with a
// literal: async.data.k == event.data.k, event.data.k == async.data.k or
// async.data.k == "x" (fields may also be written async["data"]["k"]).
type Equality struct {
	// Async is the field path under async, e.g. ["data", "k"].
	Async []string
	// Event is the field path under event; nil when the other side is
	// Literal.
	Event []string
	// Literal is the literal's value: nil (null), bool, string or float64.
	// Integer literals are converted to float64 as CEL does when it compares
	// an int with a double (which is what JSON numbers are).
	Literal any
}

// Equalities returns the terms of p when p is a Wait or Cancel expression
// made only of Equality terms joined by &&, and ok false otherwise. Such an
// expression is true exactly when every path resolves (each step is a map
// holding the key) and, for each term, the two values are equal as CEL
// compares JSON values: numbers by value (1 == 1.0), no equality across
// types ("1" != 1, null equals only null), maps and lists element by
// element. Any other outcome (a missing field, a field of a non-map) makes
// p false.
func (p *Program) Equalities() ([]Equality, bool) {
	return p.eqs, p.eqs != nil
}

// equalities computes Program.Equalities from the checked AST.
func equalities(e celast.Expr) []Equality {
	var out []Equality
	var walk func(e celast.Expr) bool
	walk = func(e celast.Expr) bool {
		if e.Kind() != celast.CallKind {
			return false
		}
		c := e.AsCall()
		if c.IsMemberFunction() {
			return false
		}
		switch c.FunctionName() {
		case operators.LogicalAnd:
			for _, a := range c.Args() {
				if !walk(a) {
					return false
				}
			}
			return len(c.Args()) > 0
		case operators.Equals:
			args := c.Args()
			if len(args) != 2 {
				return false
			}
			eq, ok := equality(args[0], args[1])
			if !ok {
				eq, ok = equality(args[1], args[0])
			}
			if ok {
				out = append(out, eq)
			}
			return ok
		}
		return false
	}
	if !walk(e) {
		return nil
	}
	return out
}

// equality reads async.<path> == <event path or literal>.
func equality(left, right celast.Expr) (Equality, bool) {
	root, path, ok := fieldPath(left)
	if !ok || root != "async" {
		return Equality{}, false
	}
	eq := Equality{Async: path}
	if root, path, ok := fieldPath(right); ok {
		if root != "event" {
			return Equality{}, false
		}
		eq.Event = path
		return eq, true
	}
	if right.Kind() != celast.LiteralKind {
		return Equality{}, false
	}
	switch v := right.AsLiteral().(type) {
	case types.Null:
		eq.Literal = nil
	case types.Bool:
		eq.Literal = bool(v)
	case types.String:
		eq.Literal = string(v)
	case types.Double:
		if math.IsNaN(float64(v)) {
			return Equality{}, false
		}
		eq.Literal = float64(v)
	case types.Int:
		eq.Literal = float64(v)
	case types.Uint:
		eq.Literal = float64(v)
	default:
		return Equality{}, false
	}
	return eq, true
}

// fieldPath reads ident.f1.f2… (or ident["f1"]…) with at least one field.
func fieldPath(e celast.Expr) (root string, path []string, ok bool) {
	for {
		switch e.Kind() {
		case celast.SelectKind:
			s := e.AsSelect()
			if s.IsTestOnly() {
				return "", nil, false
			}
			path = append(path, s.FieldName())
			e = s.Operand()
			continue
		case celast.CallKind:
			c := e.AsCall()
			args := c.Args()
			if c.FunctionName() != operators.Index || c.IsMemberFunction() || len(args) != 2 || args[1].Kind() != celast.LiteralKind {
				return "", nil, false
			}
			key, isString := args[1].AsLiteral().(types.String)
			if !isString {
				return "", nil, false
			}
			path = append(path, string(key))
			e = args[0]
			continue
		case celast.IdentKind:
			if len(path) == 0 {
				return "", nil, false
			}
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return e.AsIdent(), path, true
		}
		return "", nil, false
	}
}
