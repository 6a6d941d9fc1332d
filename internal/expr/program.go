package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// ErrMissing is matched (errors.Is) by evaluation errors caused by a
// field, map key or list index absent from the input, e.g.
// event.data.user_id on an event without user_id.
var ErrMissing = errors.New("inngest: expression references a missing field")

// EvalError is the error returned when evaluating a Program fails.
type EvalError struct {
	Kind    Kind   // kind of the expression
	Source  string // expression source
	Missing bool   // the cause is a missing field, key or index
	Err     error  // underlying cause
}

// Error implements error.
func (e *EvalError) Error() string {
	return fmt.Sprintf("inngest: evaluating %s expression %q: %v", e.Kind, shorten(e.Source), e.Err)
}

// Unwrap returns the underlying cause.
func (e *EvalError) Unwrap() error { return e.Err }

// Is reports a missing-field error as ErrMissing.
func (e *EvalError) Is(target error) bool { return target == ErrMissing && e.Missing }

// Vars holds the values of an expression's variables. Each is a
// JSON-like value as produced by encoding/json into an any
// (map[string]any, []any, string, float64, bool, nil); an event is
// {"name", "data", "id", "ts", "user"}. Nil maps are treated as empty.
// Variables outside the program's kind are ignored.
type Vars struct {
	Event map[string]any // the run's triggering event
	Async map[string]any // the candidate event (Cancel, Wait)
	Vars  map[string]any // extra values, "vars" in expressions
}

// Program is a compiled expression. It is immutable and safe for
// concurrent use.
type Program struct {
	kind Kind
	src  string
	prg  cel.Program
	// loops is set when the program contains a comprehension and so
	// needs a deadline.
	loops bool
	// eqs are the terms of a Wait or Cancel expression that is a
	// conjunction of equalities (see Equalities); nil otherwise.
	eqs []Equality
}

// Kind returns the kind the program was compiled for.
func (p *Program) Kind() Kind { return p.kind }

// String returns the expression source.
func (p *Program) String() string { return p.src }

var emptyObject = map[string]any{}

// activation resolves the three variable names without building a map
// per evaluation.
type activation struct {
	event, async, vars map[string]any
	hasAsync           bool
}

var _ interpreter.Activation = (*activation)(nil)

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return emptyObject
	}
	return m
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "event":
		return a.event, true
	case "vars":
		return a.vars, true
	case "async":
		if a.hasAsync {
			return a.async, true
		}
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// eval runs the program; it never panics.
func (p *Program) eval(v Vars) (out ref.Val, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &EvalError{Kind: p.kind, Source: p.src, Err: fmt.Errorf("internal evaluator failure: %v", r)}
		}
	}()
	act := &activation{
		event:    orEmpty(v.Event),
		async:    orEmpty(v.Async),
		vars:     orEmpty(v.Vars),
		hasAsync: p.kind.hasAsync(),
	}
	if p.loops {
		ctx, cancel := context.WithTimeout(context.Background(), EvalTimeout)
		defer cancel()
		out, _, err = p.prg.ContextEval(ctx, act)
	} else {
		out, _, err = p.prg.Eval(act)
	}
	if err != nil {
		return nil, &EvalError{Kind: p.kind, Source: p.src, Missing: isMissing(err), Err: err}
	}
	return out, nil
}

// isMissing recognises CEL's errors for absent keys, fields and indexes.
func isMissing(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"no such key", "no such attribute", "index out of bounds"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return strings.HasPrefix(msg, "index '") && strings.Contains(msg, "out of range")
}

// Bool evaluates a Trigger, Cancel, Wait or batch "if" expression.
//
// A reference to a missing field makes the expression false with a nil
// error, so "event.data.plan == 'pro'" simply does not match an event
// without data.plan. (CEL's logical operators absorb such errors when
// the other side decides: "has(event.data.x) && event.data.x > 1" and
// "event.data.missing == 1 || true" evaluate normally.) Other failures,
// such as a non-bool result, a type mismatch or EvalTimeout, return
// false and an *EvalError.
func (p *Program) Bool(v Vars) (bool, error) {
	out, err := p.eval(v)
	if err != nil {
		if errors.Is(err, ErrMissing) {
			return false, nil
		}
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, &EvalError{Kind: p.kind, Source: p.src, Err: fmt.Errorf("evaluated to %s, not a bool", out.Type().TypeName())}
	}
	return b, nil
}

// Value evaluates the expression and returns its result as a native Go
// value: nil, bool, int64, uint64, float64, string, []byte, time.Time,
// time.Duration, []any or map[string]any. Maps and lists taken from the
// input are returned as is, not copied. A missing field is an error
// matching ErrMissing.
func (p *Program) Value(v Vars) (any, error) {
	out, err := p.eval(v)
	if err != nil {
		return nil, err
	}
	nv, err := toNative(out, 0)
	if err != nil {
		return nil, &EvalError{Kind: p.kind, Source: p.src, Err: err}
	}
	return nv, nil
}

// Int evaluates a Priority expression. Doubles with an integral value
// (JSON numbers) are accepted; other results are errors.
func (p *Program) Int(v Vars) (int64, error) {
	val, err := p.Value(v)
	if err != nil {
		return 0, err
	}
	n, err := toInt(val)
	if err != nil {
		return 0, &EvalError{Kind: p.kind, Source: p.src, Err: err}
	}
	return n, nil
}

// KeyString evaluates a key expression and renders the result as a
// stable string, used for concurrency, throttle, rate-limit, debounce,
// batch, singleton and idempotency keys: strings as is, numbers in
// their shortest form without a trailing ".0" (3.0 → "3"), booleans as
// "true"/"false", null as "null", timestamps in RFC 3339, and lists and
// maps as compact JSON with sorted keys.
func (p *Program) KeyString(v Vars) (string, error) {
	val, err := p.Value(v)
	if err != nil {
		return "", err
	}
	s, err := keyString(val)
	if err != nil {
		return "", &EvalError{Kind: p.kind, Source: p.src, Err: err}
	}
	return s, nil
}
