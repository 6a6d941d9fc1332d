package rules_test

import (
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestConcurrencyForms checks the concurrency rule on the forms only other
// SDKs send (inngestgo's {fn:[…], step:[…]}, a number, one object), which the
// SDK-versus-engine table cannot reach.
func TestConcurrencyForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, concurrency string
		ok                bool
	}{
		{"number", `5`, true},
		{"one object", `{"limit":2,"key":"event.data.a"}`, true},
		{"fn and two step limits", `{"fn":[{"limit":1}],"step":[{"limit":2,"key":"event.data.a","scope":"Account"},{"limit":3,"key":"event.data.b","scope":"Fn"}]}`, true},
		{"two fn limits", `{"fn":[{"limit":1},{"limit":2}]}`, false},
		{"fn limit 0", `{"fn":[{"limit":0}]}`, false},
		{"fn limit with scope fn", `{"fn":[{"limit":1,"scope":"fn","key":"event.data.a"}]}`, true},
		{"fn limit of app scope", `{"fn":[{"limit":1,"scope":"app"}]}`, false},
		{"fn limit of account scope", `{"fn":[{"limit":1,"scope":"account","key":"event.data.a"}]}`, false},
		{"fn limit with a bad key", `{"fn":[{"limit":1,"key":"event.data.("}]}`, false},
		{"three step limits", `{"step":[{"limit":1},{"limit":2,"key":"event.data.a"},{"limit":3,"key":"event.data.b"}]}`, false},
		{"step limit 0 passes, as on the server", `{"step":[{"limit":0}]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f wire.Function
			require.NoError(t, json.Unmarshal([]byte(`{"id":"a-f","name":"f","triggers":[{"event":"a/b"}],"concurrency":`+tc.concurrency+`}`), &f))
			require.NoError(t, rules.Decode(f))
			problems := rules.Config(f)
			require.Equal(t, tc.ok, len(problems) == 0, "%v", problems)
		})
	}
}

// TestFunctionChecksSteps covers the step checks that only the engine's sync
// runs (the SDK knows no runtime URL when a function is defined).
func TestFunctionChecksSteps(t *testing.T) {
	t.Parallel()
	base := wire.Function{ID: "a-f", Name: "f", Triggers: []wire.Trigger{{Event: "a/b"}}}
	for _, tc := range []struct {
		name  string
		steps map[string]wire.Step
		want  string
	}{
		{"no step", nil, "Functions must contain one step"},
		{"two steps", map[string]wire.Step{"a": {Name: "a", Runtime: wire.StepRuntime{URL: "http://x"}}, "b": {Name: "b", Runtime: wire.StepRuntime{URL: "http://x"}}}, "Functions must contain one step"},
		{"no name", map[string]wire.Step{"step": {Runtime: wire.StepRuntime{URL: "http://x"}}}, "All steps must have a name"},
		{"no URL", map[string]wire.Step{"step": {Name: "s"}}, "No SDK URL provided for function"},
		{"ftp", map[string]wire.Step{"step": {Name: "s", Runtime: wire.StepRuntime{URL: "ftp://x"}}}, `invalid SDK URL scheme "ftp"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := base
			f.Steps = tc.steps
			require.Contains(t, rules.Function(f), tc.want)
			require.Empty(t, rules.Config(f), "Config leaves the steps out")
		})
	}
	ok := base
	ok.Steps = map[string]wire.Step{"step": {Name: "s", Runtime: wire.StepRuntime{URL: "wss://x/api"}}}
	require.Empty(t, rules.Function(ok))
}
