package expr

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
)

// Check compiles src as an expression of the given kind and reports why
// it is invalid, e.g.
//
//	inngest: invalid cancel expression "has(event.data.x)": macros are not allowed (uses has)
//
// It fails on syntax errors, identifiers other than the kind's variables
// (see Kind.Variables), unknown functions, a result type that cannot be
// right (a string for Trigger, a bool for Priority, …), and, for Cancel,
// anything outside the restrictive policy: macros (has, all, exists,
// exists_one, map, filter) and calls other than logic, comparison,
// index and arithmetic operators, int(), uint(), double(), duration(),
// date(), now_plus() and now_minus(). Nothing is cached (see Cache).
func Check(kind Kind, src string) error {
	_, err := Compile(kind, src)
	return err
}

// Compile compiles src for kind and returns a Program ready to evaluate.
// It caches nothing: a caller that compiles on every evaluation keeps a
// Cache.
func Compile(kind Kind, src string) (*Program, error) {
	if !kind.valid() {
		return nil, fmt.Errorf("inngest: invalid expression kind %d", int(kind))
	}
	if len(src) > MaxSourceLen {
		return nil, invalidErr(kind, src, fmt.Errorf("longer than %d bytes", MaxSourceLen))
	}
	return compile(kind, src)
}

func compile(kind Kind, src string) (p *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, invalidErr(kind, src, fmt.Errorf("internal compiler failure: %v", r))
		}
	}()
	if strings.TrimSpace(src) == "" {
		return nil, invalidErr(kind, src, errors.New("empty expression"))
	}
	env, err := envFor(kind)
	if err != nil {
		return nil, fmt.Errorf("inngest: building expression environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, invalidErr(kind, src, issuesErr(iss))
	}
	if err := checkResultType(kind, ast.OutputType()); err != nil {
		return nil, invalidErr(kind, src, err)
	}
	if kind == Cancel {
		if err := checkRestrictive(ast.NativeRep()); err != nil {
			return nil, invalidErr(kind, src, err)
		}
	}
	// No cel.CostLimit: in cel-go v0.31 runtime cost tracking is
	// quadratic in the number of comprehension iterations, so it would
	// itself make a large input slow. Programs with loops get a deadline
	// instead (see EvalTimeout); the others are linear in their source.
	loops := hasComprehension(ast.NativeRep())
	var opts []cel.ProgramOption
	if loops {
		opts = append(opts, cel.InterruptCheckFrequency(interruptEvery))
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		return nil, invalidErr(kind, src, err)
	}
	var eqs []Equality
	if kind.hasAsync() {
		eqs = equalities(ast.NativeRep().Expr())
	}
	return &Program{kind: kind, src: src, prg: prg, loops: loops, eqs: eqs}, nil
}

func checkResultType(kind Kind, t *cel.Type) error {
	if t == nil || t.IsExactType(cel.DynType) {
		return nil
	}
	switch {
	case kind.wantsBool():
		if !t.IsExactType(cel.BoolType) {
			return fmt.Errorf("must evaluate to a bool, not %s", t)
		}
	case kind == Priority:
		if !t.IsExactType(cel.IntType) && !t.IsExactType(cel.UintType) && !t.IsExactType(cel.DoubleType) {
			return fmt.Errorf("must evaluate to an int, not %s", t)
		}
	}
	return nil
}

// issuesErr turns CEL's multi-line report into "line:col: message"
// items joined by "; ".
func issuesErr(iss *cel.Issues) error {
	errs := iss.Errors()
	if len(errs) == 0 {
		return iss.Err()
	}
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		msg := e.Message
		if loc := e.Location; loc != nil && loc.Line() > 0 {
			msg = fmt.Sprintf("%d:%d: %s", loc.Line(), loc.Column()+1, msg)
		}
		parts = append(parts, msg)
	}
	return errors.New(strings.Join(parts, "; "))
}

const maxShownSource = 200

func invalidErr(kind Kind, src string, reason error) error {
	return fmt.Errorf("inngest: invalid %s expression %q: %w", kind, shorten(src), reason)
}

func shorten(src string) string {
	if len(src) <= maxShownSource {
		return src
	}
	cut := maxShownSource
	for cut > 0 && !utf8.RuneStart(src[cut]) {
		cut--
	}
	return src[:cut] + "…"
}

// hasComprehension reports whether a contains a loop (all, exists, map,
// filter, …).
func hasComprehension(a *celast.AST) bool {
	found := false
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() == celast.ComprehensionKind {
			found = true
		}
	}))
	return found
}
