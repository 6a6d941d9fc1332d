package expr_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

var allKinds = []expr.Kind{expr.Trigger, expr.Key, expr.Priority, expr.Cancel, expr.Wait}

func TestIdentifiersPerKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		allowed []expr.Kind
	}{
		{"event.data.x", allKinds},
		{"vars.x", allKinds},
		{"async.data.id", []expr.Kind{expr.Cancel, expr.Wait}},
		{"event.data[async.name]", []expr.Kind{expr.Cancel, expr.Wait}},
		{"evnt.data.x", nil},
		{"data.x", nil},
		{"events[0].data.x", nil},
		{"steps.x", nil},
		{"ctx.run_id", nil},
	}
	for _, tt := range tests {
		for _, kind := range allKinds {
			t.Run(kind.String()+"/"+tt.src, func(t *testing.T) {
				t.Parallel()
				err := expr.Check(kind, tt.src)
				for _, ok := range tt.allowed {
					if ok == kind {
						require.NoError(t, err)
						return
					}
				}
				require.ErrorContains(t, err, "inngest: invalid "+kind.String()+" expression ")
				require.ErrorContains(t, err, "undeclared reference")
			})
		}
	}
}

func TestCheckValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind expr.Kind
		src  string
	}{
		{expr.Trigger, "event.data.amount > 0"},
		{expr.Trigger, "event.data.function_id == 'app-fn'"},
		{expr.Trigger, "event.data.count == 3 && event.data.plan != 'free'"},
		{expr.Trigger, "has(event.data.x) && event.data.tags.exists(t, t == 'vip')"},
		{expr.Trigger, "size(event.data.items) > 2"},
		{expr.Trigger, "event.data.email.endsWith('@example.com')"},
		{expr.Trigger, "lowercase(event.data.name) == 'ann'"},
		{expr.Trigger, "event.data.x"}, // dyn: checked at run time
		{expr.Key, "event.data.account_id"},
		{expr.Key, "event.data.account_id + '-' + event.data.region"},
		{expr.Key, "event.data.plan == 'pro'"}, // batch "if"
		{expr.Priority, "event.data.plan == 'enterprise' ? 120 : 0"},
		{expr.Priority, "event.data.priority"},
		{expr.Priority, "int(event.data.priority) * 2"},
		{expr.Cancel, "async.data.invoice_id == event.data.invoice_id"},
		{expr.Cancel, "async.data.n > event.data.n + 1 && !(async.data.ok == false)"},
		{expr.Cancel, "async.data.items[0] == event.data['key'] || async.ts > event.ts"},
		{expr.Cancel, "event.data.x == 1 ? async.data.a == 'y' : async.data.b == -1"},
		{expr.Cancel, "int(async.data.n) == 3 && double(event.data.x) < 2.5"},
		{expr.Cancel, "date(async.data.at) > now_minus('1h')"},
		{expr.Cancel, "async.data.tags == ['a', 'b'] && async.data.m == {'k': 1}"},
		{expr.Wait, "async.data.id == event.data.id"},
		{expr.Wait, "has(async.data.id) && async.data.items.all(i, i > 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String()+"/"+tt.src, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, expr.Check(tt.kind, tt.src))
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    expr.Kind
		src     string
		wantErr string
	}{
		{expr.Trigger, "", "empty expression"},
		{expr.Trigger, "   ", "empty expression"},
		{expr.Trigger, "event.data.x ==", "1:16: Syntax error"},
		{expr.Trigger, "event.data.x = 1", "Syntax error"},
		{expr.Trigger, "'a' + 1", "found no matching overload"},
		{expr.Trigger, "'plain string'", "must evaluate to a bool, not string"},
		{expr.Trigger, "1 + 2", "must evaluate to a bool, not int"},
		// A typed double never equals an int literal at check time.
		{expr.Trigger, "event.data.count + 1.0 == 4", "no matching overload for '_==_' applied to '(double, int)'"},
		{expr.Trigger, "nosuchfn(event.data.x)", "undeclared reference to 'nosuchfn'"},
		{expr.Trigger, "[1, 2].all(x, [3].all(y, [4].all(z, x < y)))", "nesting"},
		{expr.Priority, "'high'", "must evaluate to an int, not string"},
		{expr.Priority, "event.data.x == 1", "must evaluate to an int, not bool"},
		{expr.Wait, "event.data.x + 1", "must evaluate to a bool"},
		{expr.Wait, "async.data.id = event.data.id", "Syntax error"},
		// Restrictive cancel policy.
		{expr.Cancel, "has(event.data.x)", "macros are not allowed (uses has)"},
		{expr.Cancel, "event.data.list.all(x, x > 1)", "macros are not allowed (uses all)"},
		{expr.Cancel, "event.data.list.exists(x, x > 1)", "macros are not allowed (uses exists)"},
		{expr.Cancel, "event.data.list.exists_one(x, x > 1)", "macros are not allowed (uses exists_one)"},
		{expr.Cancel, "event.data.list.map(x, x * 2) == [2]", "macros are not allowed (uses map)"},
		{expr.Cancel, "size(event.data.list.filter(x, x > 1)) == 1", "macros are not allowed (uses filter)"},
		{expr.Cancel, "size(event.data.list) > 1", "function calls are not allowed (uses size())"},
		{expr.Cancel, "event.data.name.startsWith('a')", "function calls are not allowed (uses startsWith())"},
		{expr.Cancel, "event.data.name.matches('^a')", "uses matches()"},
		{expr.Cancel, "lowercase(async.data.name) == 'a'", "uses lowercase()"},
		{expr.Cancel, "now() > date(async.data.at)", "uses now()"},
		{expr.Cancel, "async.data.plan in ['a', 'b']", "uses operator in"},
		{expr.Cancel, "string(async.data.n) == '1'", "uses string()"},
		{expr.Cancel, "async.data.id == 1 ? 'a' : 'b'", "must evaluate to a bool, not string"},
		{expr.Cancel, "async.data.id == event.data.id && nope.x", "undeclared reference to 'nope'"},
		{expr.Kind(99), "event.data.x", "invalid expression kind 99"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String()+"/"+tt.src, func(t *testing.T) {
			t.Parallel()
			err := expr.Check(tt.kind, tt.src)
			require.ErrorContains(t, err, tt.wantErr)
			require.True(t, strings.HasPrefix(err.Error(), "inngest: invalid "), err.Error())
			_, err2 := expr.Compile(tt.kind, tt.src)
			require.EqualError(t, err2, err.Error())
		})
	}
}

func TestCheckErrorFormat(t *testing.T) {
	t.Parallel()
	err := expr.Check(expr.Cancel, "has(event.data.x)")
	require.EqualError(t, err, `inngest: invalid cancel expression "has(event.data.x)": macros are not allowed (uses has)`)
	err = expr.Check(expr.Trigger, "evnt.data.x == 1")
	require.EqualError(t, err, `inngest: invalid trigger expression "evnt.data.x == 1": 1:1: undeclared reference to 'evnt' (in container '')`)
}

func TestSourceLimits(t *testing.T) {
	t.Parallel()
	long := "event.data.x == '" + strings.Repeat("a", expr.MaxSourceLen) + "'"
	err := expr.Check(expr.Trigger, long)
	require.ErrorContains(t, err, "longer than")
	require.Less(t, len(err.Error()), 400, "the source is shortened in errors")

	deep := strings.Repeat("(", 500) + "event.data.x == 1" + strings.Repeat(")", 500)
	require.Error(t, expr.Check(expr.Trigger, deep))

	many := "event.data.x == 1" + strings.Repeat(" || event.data.x == 1", 100)
	require.NoError(t, expr.Check(expr.Trigger, many))
}

func TestCompileCachedAndConcurrent(t *testing.T) {
	t.Parallel()
	cache := expr.NewCache(0)
	p1, err := cache.Compile(expr.Trigger, "event.data.cache_probe == 1")
	require.NoError(t, err)
	p2, err := cache.Compile(expr.Trigger, "event.data.cache_probe == 1")
	require.NoError(t, err)
	require.Same(t, p1, p2)
	require.Equal(t, 1, cache.Len())
	other, err := expr.NewCache(0).Compile(expr.Trigger, "event.data.cache_probe == 1")
	require.NoError(t, err)
	require.NotSame(t, p1, other, "each cache is its own")
	uncached, err := expr.Compile(expr.Trigger, "event.data.cache_probe == 1")
	require.NoError(t, err)
	require.NotSame(t, p1, uncached, "the package's Compile keeps nothing")
	_, err = cache.Compile(expr.Trigger, "event.data.x ===")
	require.Error(t, err)
	_, err = cache.Compile(expr.Trigger, "event.data.x ===")
	require.Error(t, err, "a failure is cached as a failure")
	// The same source under another kind is a different program.
	p3, err := cache.Compile(expr.Wait, "event.data.cache_probe == 1")
	require.NoError(t, err)
	require.NotSame(t, p1, p3)
	require.Equal(t, expr.Wait, p3.Kind())
	require.Equal(t, "event.data.cache_probe == 1", p3.String())

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				p, err := cache.Compile(expr.Key, "event.data.k"+strings.Repeat("x", (i*50+j)%7))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := p.Bool(expr.Vars{Event: map[string]any{"data": map[string]any{}}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
