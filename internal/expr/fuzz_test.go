package expr_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// FuzzCompile checks that compiling and evaluating arbitrary sources
// never panics, for every kind.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"event.data.amount > 0",
		"async.data.id == event.data.id",
		"event.data.plan == 'enterprise' ? 120 : 0",
		"has(event.data.x) && event.data.list.all(x, x > 1)",
		"size(event.data.items) > 2 || event.data.name.matches('^a+$')",
		"json_parse(event.data.raw).n == 2",
		"date(event.ts) > now_minus('1h')",
		"[1, 2, 3].map(x, x * 2)[5]",
		"{'a': 1}['b']",
		"event.data.x / 0",
		"int('9223372036854775808')",
		"(((((event",
		"\"\\u0000\" + b'\\xff'",
		"event.data.l.exists(x, event.data.l.exists(y, x == y))",
	} {
		f.Add(s)
	}
	vars := expr.Vars{
		Event: map[string]any{"name": "a/b", "ts": 1.795726709865e12, "data": map[string]any{
			"amount": 1.5, "plan": "pro", "list": []any{1.0, 2.0}, "items": []any{"a"}, "raw": `{"n":2}`,
			"name": "aaa", "l": []any{1.0, "x", nil, map[string]any{}}, "x": 3.0,
		}},
		Async: map[string]any{"data": map[string]any{"id": "abc"}},
		Vars:  map[string]any{"k": true},
	}
	kinds := []expr.Kind{expr.Trigger, expr.Key, expr.Priority, expr.Cancel, expr.Wait}
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range kinds {
			p, err := expr.Compile(kind, src)
			if err != nil {
				continue
			}
			_, _ = p.Bool(vars)
			_, _ = p.Value(vars)
			_, _ = p.Int(vars)
			_, _ = p.KeyString(vars)
		}
	})
}
