package engine

import (
	"encoding/json"
	"sync/atomic"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// compileExpr compiles src for kind through the engine's own program cache
// (e.exprs, a bounded LRU of programs and failures), so wait expressions with
// pasted values, each distinct, never grow memory without bound, and two
// engines in one process share nothing.
func (e *Engine) compileExpr(kind expr.Kind, src string) (*expr.Program, error) {
	return e.exprs.Compile(kind, src)
}

// exprVars builds CEL variables from raw event JSON (nil allowed), counting
// a decoded event in decodes.
func exprVars(decodes *atomic.Int64, event, async json.RawMessage) expr.Vars {
	var v expr.Vars
	if len(event) > 0 {
		decodes.Add(1)
		var m map[string]any
		if jsoncodec.Unmarshal(event, &m) == nil {
			v.Event = m
		}
	}
	if len(async) > 0 {
		var m map[string]any
		if jsoncodec.Unmarshal(async, &m) == nil {
			v.Async = m
		}
	}
	return v
}

func evalBool(p *expr.Program, v expr.Vars) bool {
	if p == nil {
		return true
	}
	ok, err := p.Bool(v)
	return err == nil && ok
}

func evalKey(p *expr.Program, v expr.Vars) string {
	if p == nil {
		return ""
	}
	k, err := p.KeyString(v)
	if err != nil {
		return ""
	}
	return k
}

// rateKey evaluates a rate-limit or idempotency key (the server implements
// idempotency as a rate limit) the way the server does: a key that evaluates
// to false, or cannot be evaluated (e.g. a missing field), exempts the event
// from the limit (limited is false; testdata/realserver/ratelimit-key-edges.json).
// No expression means one limit for the whole function.
func rateKey(p *expr.Program, v expr.Vars) (key string, limited bool) {
	if p == nil {
		return "", true
	}
	val, err := p.Value(v)
	if err != nil {
		return "", false
	}
	if b, ok := val.(bool); ok && !b {
		return "", false
	}
	key, err = p.KeyString(v)
	return key, err == nil
}

func evalInt(p *expr.Program, v expr.Vars) int64 {
	if p == nil {
		return 0
	}
	n, err := p.Int(v)
	if err != nil {
		return 0
	}
	return int64(n)
}

// lazyVars decodes an event into CEL variables on first use: most functions
// have no key or condition to evaluate, and decoding the event is the
// costliest part of starting a run.
type lazyVars struct {
	raw json.RawMessage
	// decodes counts the decoded events (the engine's eventDecodes).
	decodes *atomic.Int64
	v       expr.Vars
	done    bool
}

func (l *lazyVars) get() expr.Vars {
	if !l.done {
		l.v, l.done = exprVars(l.decodes, l.raw, nil), true
	}
	return l.v
}

// key is evalKey over the event ("" without a program, decoding nothing).
func (l *lazyVars) key(p *expr.Program) string {
	if p == nil {
		return ""
	}
	return evalKey(p, l.get())
}

// rate is rateKey over the event.
func (l *lazyVars) rate(p *expr.Program) (string, bool) {
	if p == nil {
		return "", true
	}
	return rateKey(p, l.get())
}

// bool is evalBool over the event (true without a program).
func (l *lazyVars) bool(p *expr.Program) bool {
	if p == nil {
		return true
	}
	return evalBool(p, l.get())
}

// int is evalInt over the event (0 without a program).
func (l *lazyVars) int(p *expr.Program) int64 {
	if p == nil {
		return 0
	}
	return evalInt(p, l.get())
}
