package engine

import (
	"encoding/json"
	"sync"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// compileExpr compiles src for kind, caching by kind and source.
func compileExpr(kind expr.Kind, src string) (*expr.Program, error) {
	type key struct {
		kind expr.Kind
		src  string
	}
	k := key{kind, src}
	if p, ok := exprCache.Load(k); ok {
		return p.(*expr.Program), nil
	}
	p, err := expr.Compile(kind, src)
	if err != nil {
		return nil, err
	}
	exprCache.Store(k, p)
	return p, nil
}

// exprCache holds compiled programs by kind and source; programs are immutable.
var exprCache sync.Map

// exprVars builds CEL variables from raw event JSON (nil allowed).
func exprVars(event, async json.RawMessage) expr.Vars {
	var v expr.Vars
	if len(event) > 0 {
		var m map[string]any
		if json.Unmarshal(event, &m) == nil {
			v.Event = m
		}
	}
	if len(async) > 0 {
		var m map[string]any
		if json.Unmarshal(async, &m) == nil {
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
