package expr

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
)

// restrictedCalls are the only functions a Cancel expression may call:
// logic, comparison and index operators, arithmetic, numeric
// conversions and the date helpers, as the server's restrictive policy
// allows. Field selection and literals need no call.
var restrictedCalls = map[string]bool{
	operators.Conditional:   true,
	operators.LogicalAnd:    true,
	operators.LogicalOr:     true,
	operators.LogicalNot:    true,
	operators.Equals:        true,
	operators.NotEquals:     true,
	operators.Less:          true,
	operators.LessEquals:    true,
	operators.Greater:       true,
	operators.GreaterEquals: true,
	operators.Index:         true,
	operators.OptIndex:      true,
	operators.OptSelect:     true,
	operators.Add:           true,
	operators.Subtract:      true,
	operators.Multiply:      true,
	operators.Divide:        true,
	operators.Modulo:        true,
	operators.Negate:        true,
	"int":                   true,
	"uint":                  true,
	"double":                true,
	"date":                  true,
	"now_plus":              true,
	"now_minus":             true,
	"duration":              true,
}

// checkRestrictive reports every violation of the restrictive policy in
// a, in source order.
func checkRestrictive(a *celast.AST) error {
	var problems []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			problems = append(problems, p)
		}
	}
	macroIDs := make([]int64, 0, len(a.SourceInfo().MacroCalls()))
	for id := range a.SourceInfo().MacroCalls() {
		macroIDs = append(macroIDs, id)
	}
	slices.Sort(macroIDs)
	for _, id := range macroIDs {
		call := a.SourceInfo().MacroCalls()[id]
		name := "macro"
		if call.Kind() == celast.CallKind {
			name = call.AsCall().FunctionName()
		}
		add(fmt.Sprintf("macros are not allowed (uses %s)", name))
	}
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.ComprehensionKind:
			add("macros are not allowed")
		case celast.SelectKind:
			if e.AsSelect().IsTestOnly() {
				add("macros are not allowed (uses has)")
			}
		case celast.CallKind:
			fn := e.AsCall().FunctionName()
			if fn == operators.NotStrictlyFalse {
				return // only produced by macro expansion, reported above
			}
			if !restrictedCalls[fn] {
				add(fmt.Sprintf("function calls are not allowed (uses %s)", displayName(fn)))
			}
		}
	}))
	if len(problems) == 0 {
		return nil
	}
	// With macros reported, the comprehension detail is redundant.
	if len(macroIDs) > 0 {
		problems = slices.DeleteFunc(problems, func(p string) bool { return p == "macros are not allowed" })
	}
	return errors.New(strings.Join(problems, "; "))
}

// displayName turns an operator's internal name ("@in", "_+_") into
// what the user typed.
func displayName(fn string) string {
	if op, ok := operators.FindReverse(fn); ok && op != "" {
		return "operator " + op
	}
	return fn + "()"
}
