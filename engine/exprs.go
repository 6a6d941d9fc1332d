package engine

import (
	"encoding/json"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// compileExpr compiles src for kind. expr.Compile caches programs (and
// failures) in a bounded LRU, so wait expressions with pasted values, each
// distinct, never grow memory without bound.
func compileExpr(kind expr.Kind, src string) (*expr.Program, error) {
	return expr.Compile(kind, src)
}

// exprVars builds CEL variables from raw event JSON (nil allowed).
func exprVars(event, async json.RawMessage) expr.Vars {
	var v expr.Vars
	if len(event) > 0 {
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
