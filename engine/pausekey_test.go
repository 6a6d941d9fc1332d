package engine

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// keyedMatch decides whether a pause with expression src on a run
// triggered by trigger matches event the way the pause index does; indexed
// is false when the index would evaluate the expression instead.
func keyedMatch(t testing.TB, src string, trigger, event []byte) (match, indexed bool) {
	t.Helper()
	prog, err := expr.Compile(expr.Wait, src)
	require.NoError(t, err)
	eqs, ok := prog.Equalities()
	if !ok {
		return false, false
	}
	k, ok, never := pauseKeyFor(eqs, exprVars(new(atomic.Int64), trigger, nil).Event)
	if never {
		return false, true
	}
	if !ok {
		return false, false
	}
	got, ok := eventKey(nil, k.paths, exprVars(new(atomic.Int64), nil, event).Async)
	return ok && string(got) == k.key, true
}

// celMatch is the expression's verdict, as pauseMatches evaluates it.
func celMatch(t testing.TB, src string, trigger, event []byte) bool {
	t.Helper()
	prog, err := expr.Compile(expr.Wait, src)
	require.NoError(t, err)
	return evalBool(prog, expr.Vars{Event: exprVars(new(atomic.Int64), trigger, nil).Event, Async: exprVars(new(atomic.Int64), nil, event).Async})
}

// The index's verdict equals CEL's for every type pairing of JSON values.
func TestPauseKeyAgreesWithCEL(t *testing.T) {
	t.Parallel()
	values := []string{`1`, `1.0`, `-0`, `0`, `"1"`, `"1.0"`, `""`, `null`, `true`, `false`, `"true"`,
		`[1]`, `[1.0]`, `{"a":1}`, `{}`, `1e300`, `12345678901234567890`, `12345678901234567000`,
		`9007199254740993`, `9007199254740992`, `"é"`, `"\u00e9"`, `"e\u0301"`, `"\ud800"`, `0.1`, `1e-7`, `1E2`, `100`}
	exprs := []string{
		"async.data.k == event.data.k",
		"event.data.k == async.data.k",
		"async.data.k == event.data.k && async.data.j == event.data.j",
		"async.data.k == 1", "async.data.k == 1.0", `async.data.k == "1"`, "async.data.k == null",
		"async.data.k == true", "async.data.k == 0", "async.data.k == -0.0", "async.data.k == 100u",
		"async.data.k == 12345678901234567890u", "async.data.k == 9007199254740993",
		"async.data.k.x == event.data.k.x", `async["data"]["k"] == event["data"]["k"]`,
		"async.data.k == event.data.k && async.data.k == 1",
	}
	n := 0
	for _, src := range exprs {
		for _, tv := range append(values, "") {
			for _, ev := range append(values, "") {
				trigger := []byte(`{"name":"a","data":{"j":1}}`)
				if tv != "" {
					trigger = []byte(`{"name":"a","data":{"j":1,"k":` + tv + `}}`)
				}
				event := []byte(`{"name":"b","data":{"j":1.0}}`)
				if ev != "" {
					event = []byte(`{"name":"b","data":{"j":1.0,"k":` + ev + `}}`)
				}
				got, indexed := keyedMatch(t, src, trigger, event)
				if !indexed {
					continue
				}
				n++
				require.Equal(t, celMatch(t, src, trigger, event), got, "%s with trigger %s, event %s", src, trigger, event)
			}
		}
	}
	require.Greater(t, n, 5000, "most cases take the index")
}

// FuzzPauseKey checks the index against CEL for arbitrary expressions,
// triggers and events.
func FuzzPauseKey(f *testing.F) {
	f.Add("async.data.k == event.data.k", `{"data":{"k":1}}`, `{"data":{"k":1.0}}`)
	f.Add("async.data.k == event.data.k", `{"data":{"k":"1"}}`, `{"data":{"k":1}}`)
	f.Add(`async.data.a == event.data.b && async.name == "x"`, `{"data":{"b":null}}`, `{"name":"x","data":{"a":null}}`)
	f.Add("async.data.k == 1", `{}`, `{"data":{"k":1e0}}`)
	f.Add(`async["data"]["k"] == event.data.k`, `{"data":{"k":[1]}}`, `{"data":{"k":[1.0]}}`)
	f.Add("async.data.k.x == event.data.k", `{"data":{"k":true}}`, `{"data":{"k":{"x":true}}}`)
	f.Fuzz(func(t *testing.T, src, trigger, event string) {
		prog, err := expr.Compile(expr.Wait, src)
		if err != nil {
			return
		}
		if _, ok := prog.Equalities(); !ok {
			return
		}
		got, indexed := keyedMatch(t, src, []byte(trigger), []byte(event))
		if !indexed {
			return
		}
		require.Equal(t, celMatch(t, src, []byte(trigger), []byte(event)), got, "%s with trigger %s, event %s", src, trigger, event)
	})
}
