package connectkinds

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// check requires what every run of the fixture must show, on any server.
func check(t *testing.T, rec *Recording) {
	t.Helper()
	want := map[string]struct {
		out   string
		steps map[string]int
	}{
		"run":          {`4`, map[string]int{"run/a": 1, "run/b": 1}},
		"sleep":        {`"woke"`, map[string]int{"sleep/after": 1}},
		"wait-matched": {`{"matched":true,"n":1}`, map[string]int{}},
		"wait-timeout": {`false`, map[string]int{}},
		"send":         {`1`, map[string]int{"receiver/got": 1}},
		"invoke":       {`42`, map[string]int{"child/double": 1}},
		"parallel":     {`[10,20,30]`, map[string]int{"parallel/b1": 1, "parallel/b2": 1, "parallel/b3": 1}},
		"fetch":        {`{"status":200,"body":"{\"ok\":true}"}`, map[string]int{}},
		"signal-wait":  {`{"received":true,"n":5}`, nil},
		"retry":        {`3`, map[string]int{"retry/flaky": 3}},
		"onfailure":    {``, map[string]int{"onfailure/boom": 1, "onfailure-failure/handler": 1}},
		"concurrency":  {``, map[string]int{"concurrency/work": 3}},
		"throttle":     {``, map[string]int{"throttle/work": 3}},
		"ratelimit":    {``, map[string]int{"ratelimit/work": 1}},
		"debounce":     {`3`, map[string]int{"debounce/work": 1}},
		"lease":        {`"kept"`, map[string]int{"lease/long": 1}},
	}
	require.Len(t, rec.Kinds, len(want))
	for _, k := range rec.Kinds {
		w, ok := want[k.Name]
		require.True(t, ok, k.Name)
		if k.Name == "ratelimit" {
			require.Len(t, k.Runs, 1, k.Name)
		}
		if w.out != "" {
			require.Len(t, k.Runs, 1, k.Name)
			require.JSONEq(t, w.out, string(k.Runs[0].Output), k.Name)
		}
		if w.steps != nil {
			require.Equal(t, w.steps, k.Steps, k.Name)
		}
	}
}
