package expr_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// loadEvents reads the captured events in testdata/events.json, decoded
// the way the engine decodes them (numbers as float64).
func loadEvents(t testing.TB) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/events.json")
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	out := map[string]map[string]any{}
	for k, v := range raw {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var ev map[string]any
		require.NoError(t, json.Unmarshal(v, &ev))
		out[k] = ev
	}
	return out
}

func mustCompile(t testing.TB, kind expr.Kind, src string) *expr.Program {
	t.Helper()
	p, err := expr.Compile(kind, src)
	require.NoError(t, err)
	return p
}

func TestBoolCapturedEvents(t *testing.T) {
	t.Parallel()
	ev := loadEvents(t)
	tests := []struct {
		name  string
		kind  expr.Kind
		src   string
		vars  expr.Vars
		match bool
	}{
		{"wait matches reply", expr.Wait, "async.data.id == event.data.id",
			expr.Vars{Event: ev["trigger"], Async: ev["matched"]}, true},
		{"wait ignores other reply", expr.Wait, "async.data.id == event.data.id",
			expr.Vars{Event: ev["trigger"], Async: ev["ignored"]}, false},
		{"cancel on same id", expr.Cancel, "async.data.id == event.data.id && async.name == 'wirecap/wait.reply'",
			expr.Vars{Event: ev["trigger"], Async: ev["matched"]}, true},
		{"number from JSON vs int literal", expr.Wait, "async.data.answer == 42",
			expr.Vars{Async: ev["matched"]}, true},
		{"number comparison", expr.Wait, "async.data.answer > 41 && async.data.answer < 42.5",
			expr.Vars{Async: ev["matched"]}, true},
		{"ts ordering", expr.Cancel, "async.ts > event.ts",
			expr.Vars{Event: ev["trigger"], Async: ev["matched"]}, true},
		{"onFailure filter", expr.Trigger, "event.data.function_id == 'wirecap-fail-noretry'",
			expr.Vars{Event: ev["failed"]}, true},
		{"onFailure filter other fn", expr.Trigger, "event.data.function_id == 'wirecap-other'",
			expr.Vars{Event: ev["failed"]}, false},
		{"nested event", expr.Trigger, "event.data.event.data.why.startsWith('to see') && event.data.events[0].name == 'wirecap/fail-noretry'",
			expr.Vars{Event: ev["failed"]}, true},
		{"empty user map", expr.Trigger, "size(event.user) == 0", expr.Vars{Event: ev["trigger"]}, true},
		{"missing field is false", expr.Trigger, "event.data.nope == 'x'", expr.Vars{Event: ev["trigger"]}, false},
		{"missing nested field is false", expr.Trigger, "event.data.a.b.c > 1", expr.Vars{Event: ev["trigger"]}, false},
		{"missing field negated is still false", expr.Trigger, "!(event.data.nope == 'x')", expr.Vars{Event: ev["trigger"]}, false},
		{"missing index is false", expr.Trigger, "event.data.list[3] == 1",
			expr.Vars{Event: map[string]any{"data": map[string]any{"list": []any{1.0}}}}, false},
		{"missing absorbed by ||", expr.Trigger, "event.data.nope == 'x' || event.name == 'wirecap/wait-match'",
			expr.Vars{Event: ev["trigger"]}, true},
		{"has guards missing", expr.Trigger, "has(event.data.nope) && event.data.nope == 1", expr.Vars{Event: ev["trigger"]}, false},
		{"nil vars are empty", expr.Wait, "async.data.id == event.data.id", expr.Vars{}, false},
		{"vars variable", expr.Trigger, "event.data.id == vars.want",
			expr.Vars{Event: ev["trigger"], Vars: map[string]any{"want": "abc-123"}}, true},
		{"lowercase helper", expr.Trigger, "uppercase(event.data.id) == 'ABC-123' && lowercase('X') == 'x'",
			expr.Vars{Event: ev["trigger"]}, true},
		{"json_parse helper", expr.Trigger, "json_parse(event.data.raw).n == 2",
			expr.Vars{Event: map[string]any{"data": map[string]any{"raw": `{"n":2}`}}}, true},
		{"b64decode helper", expr.Trigger, "b64decode('aGk=') == 'hi'", expr.Vars{}, true},
		{"date helper ms", expr.Trigger, "date(event.ts) < date('2027-01-01T00:00:00Z') && date(event.ts) > now_minus('3650d')",
			expr.Vars{Event: ev["trigger"]}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mustCompile(t, tt.kind, tt.src).Bool(tt.vars)
			require.NoError(t, err)
			require.Equal(t, tt.match, got)
		})
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	data := map[string]any{
		"amount": 12.5, "count": 3.0, "zero": 0.0, "neg": -1.0, "big": 1e20,
		"int": 7, "int64": int64(7), "uint": uint(7), "str": "3",
	}
	tests := []struct {
		src  string
		want bool
	}{
		{"event.data.amount > 0", true},
		{"event.data.amount > 12", true},
		{"event.data.amount >= 12.5", true},
		{"event.data.count == 3", true},
		{"event.data.count == 3.0", true},
		{"event.data.count != 4", true},
		{"event.data.count == 3u", true},
		{"event.data.zero == 0", true},
		{"event.data.neg < 0", true},
		{"event.data.big > 9223372036854775807", true},
		{"event.data.int == 7 && event.data.int64 == 7.0 && event.data.uint == 7", true},
		{"event.data.count in [1, 2, 3]", true},
		{"event.data.str == 3", false}, // no string/number coercion
		{"event.data.count + 1.0 == 4.0", true},
		{"int(event.data.count) + 1 == 4", true},
		{"event.data.count + 1.5 == 4.5", true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := mustCompile(t, expr.Trigger, tt.src).Bool(expr.Vars{Event: map[string]any{"data": data}})
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestBoolErrors(t *testing.T) {
	t.Parallel()
	event := map[string]any{"data": map[string]any{"s": "text", "n": 1.0, "nil": nil}}
	tests := []struct {
		src     string
		wantErr string
	}{
		{"event.data.s", "evaluated to string, not a bool"},
		{"event.data.nil", "evaluated to null_type, not a bool"},
		{"event.data.s > 1", "no such overload"},
		{"event.data.s / 2 == 1", "no such overload"},
		// CEL has no mixed int/double arithmetic (neither has the server):
		// write 1.0 or convert with int().
		{"event.data.n + 1 == 2", "no such overload"},
		{"int(event.data.n) / 0 == 1", "division by zero"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := mustCompile(t, expr.Trigger, tt.src).Bool(expr.Vars{Event: event})
			require.False(t, got)
			require.ErrorContains(t, err, tt.wantErr)
			require.ErrorContains(t, err, "inngest: evaluating trigger expression")
			require.False(t, errors.Is(err, expr.ErrMissing))
			var ee *expr.EvalError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, expr.Trigger, ee.Kind)
		})
	}
}

func TestLoopsAreBounded(t *testing.T) {
	t.Parallel()
	list := make([]any, 20000)
	for i := range list {
		list[i] = float64(i)
	}
	vars := expr.Vars{Event: map[string]any{"data": map[string]any{"l": list}}}
	// 4e8 iterations: stopped by the deadline.
	p := mustCompile(t, expr.Trigger, "event.data.l.all(x, !event.data.l.exists(y, y > x + 50000.0))")
	got, err := p.Bool(vars)
	require.False(t, got)
	require.ErrorContains(t, err, "operation interrupted")
	// A single pass over a list completes.
	small := expr.Vars{Event: map[string]any{"data": map[string]any{"l": list[:1000]}}}
	got, err = mustCompile(t, expr.Trigger, "event.data.l.all(x, x >= 0.0)").Bool(small)
	require.NoError(t, err)
	require.True(t, got)
}

func TestValueAndKeyString(t *testing.T) {
	t.Parallel()
	ev := loadEvents(t)
	event := map[string]any{
		"name": "shop/order.created",
		"data": map[string]any{
			"account_id": "acc_1", "n": 3.0, "f": 0.25, "big": 1e21, "flag": true, "nil": nil,
			"obj": map[string]any{"b": 1.0, "a": []any{"x", 2.0}}, "list": []any{1.0, "two"},
		},
	}
	tests := []struct {
		src       string
		wantValue any
		wantKey   string
	}{
		{"event.data.account_id", "acc_1", "acc_1"},
		{"event.data.n", 3.0, "3"},
		{"event.data.f", 0.25, "0.25"},
		{"event.data.big", 1e21, "1e+21"},
		{"int(event.data.n) * 2", int64(6), "6"},
		{"uint(event.data.n)", uint64(3), "3"},
		{"event.data.flag", true, "true"},
		{"event.data.nil", nil, "null"},
		{"event.data.obj", map[string]any{"b": 1.0, "a": []any{"x", 2.0}}, `{"a":["x",2],"b":1}`},
		{"event.data.list", []any{1.0, "two"}, `[1,"two"]`},
		{"event.data.account_id + '-' + event.name", "acc_1-shop/order.created", "acc_1-shop/order.created"},
		{"[event.data.account_id, event.data.n]", []any{"acc_1", 3.0}, `["acc_1",3]`},
		{"{'k': event.data.n, 'j': [1]}", map[string]any{"k": 3.0, "j": []any{int64(1)}}, `{"j":[1],"k":3}`},
		{"{1: 'x'}", map[string]any{"1": "x"}, `{"1":"x"}`},
		{"b'ab'", []byte("ab"), `"YWI="`},
		{"timestamp('2026-01-02T03:04:05Z')", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05Z"},
		{"duration('90m')", 90 * time.Minute, "1h30m"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, expr.Key, tt.src)
			v, err := p.Value(expr.Vars{Event: event})
			require.NoError(t, err)
			require.Equal(t, tt.wantValue, v)
			k, err := p.KeyString(expr.Vars{Event: event})
			require.NoError(t, err)
			require.Equal(t, tt.wantKey, k)
		})
	}

	t.Run("captured idempotency key", func(t *testing.T) {
		t.Parallel()
		k, err := mustCompile(t, expr.Key, "event.data.id").KeyString(expr.Vars{Event: ev["trigger"]})
		require.NoError(t, err)
		require.Equal(t, "abc-123", k)
	})
	t.Run("missing field is ErrMissing", func(t *testing.T) {
		t.Parallel()
		p := mustCompile(t, expr.Key, "event.data.nope")
		_, err := p.KeyString(expr.Vars{Event: event})
		require.ErrorIs(t, err, expr.ErrMissing)
		require.ErrorContains(t, err, `inngest: evaluating key expression "event.data.nope": no such key: nope`)
		_, err = p.Value(expr.Vars{})
		require.ErrorIs(t, err, expr.ErrMissing)
	})
}

func TestInt(t *testing.T) {
	t.Parallel()
	event := map[string]any{"data": map[string]any{
		"plan": "enterprise", "p": 50.0, "half": 1.5, "huge": 1e300, "s": "1", "neg": -600.0,
	}}
	tests := []struct {
		src     string
		want    int64
		wantErr string
	}{
		{"event.data.plan == 'enterprise' ? 120 : 0", 120, ""},
		{"event.data.plan == 'free' ? 120 : 0", 0, ""},
		{"event.data.p", 50, ""},
		{"event.data.neg", -600, ""},
		{"event.data.p * 2.0", 100, ""},
		{"int(event.data.half)", 1, ""},
		{"18446744073709551615u", 0, "overflows int64"},
		{"event.data.half", 0, "must evaluate to an int, got 1.5"},
		{"event.data.huge", 0, "must evaluate to an int"},
		{"event.data.s", 0, "must evaluate to an int, got string"},
		{"event.data.missing", 0, "no such key"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := mustCompile(t, expr.Priority, tt.src).Int(expr.Vars{Event: event})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.ErrorContains(t, err, "inngest: evaluating priority expression")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEvalNeverPanicsOnOddInput(t *testing.T) {
	t.Parallel()
	odd := []map[string]any{
		nil,
		{"data": nil},
		{"data": "string"},
		{"data": []any{1.0}},
		{"data": map[string]any{"x": math.NaN()}},
		{"data": map[string]any{"x": math.Inf(1)}},
		{"data": map[string]any{"x": map[string]any{"y": []any{nil, map[string]any{}}}}},
	}
	srcs := []string{"event.data.x == 1", "event.data.x.y[1].z == 1", "event.data[0] == 1", "size(event.data) > 0"}
	for _, src := range srcs {
		p := mustCompile(t, expr.Trigger, src)
		k := mustCompile(t, expr.Key, src)
		for _, e := range odd {
			require.NotPanics(t, func() {
				_, _ = p.Bool(expr.Vars{Event: e})
				_, _ = k.KeyString(expr.Vars{Event: e})
			})
		}
	}
	k := mustCompile(t, expr.Key, "event.data.x")
	s, err := k.KeyString(expr.Vars{Event: map[string]any{"data": map[string]any{"x": math.NaN()}}})
	require.NoError(t, err)
	require.Equal(t, "NaN", s)
}
