package scenarios

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	run := func(fn string, events []int, status string, start int64, out string) RecordedRun {
		return RecordedRun{Function: fn, Events: events, ListedUnder: events[:1], Status: status,
			StartMS: start, EndMS: start + 10, Output: json.RawMessage(out)}
	}
	base := []RecordedRun{run("f", []int{0}, "Completed", 100, `{"n":[0]}`), run("f", []int{1}, "Cancelled", 2000, `{}`)}
	tests := []struct {
		name   string
		strict bool
		got    []RecordedRun
		want   []string
	}{
		{"same", true, base, nil},
		{"order of runs does not matter", true, []RecordedRun{base[1], base[0]}, nil},
		{"timing within tolerance", true, []RecordedRun{run("f", []int{0}, "Completed", 1500, `{"n":[0]}`), base[1]}, nil},
		{"timing outside tolerance", true, []RecordedRun{run("f", []int{0}, "Completed", 1700, `{"n":[0]}`), base[1]},
			[]string{"f run 0 (events [0]): start at 1700 ms, want 100 ms ± 1500", "f run 0 (events [0]): end at 1710 ms, want 110 ms ± 1500"}},
		{"missing run", true, base[:1], []string{"f: 1 runs, want 2 (got [[0] Completed @100ms], want [[0] Completed @100ms, [1] Cancelled @2s])"}},
		{"status", true, []RecordedRun{base[0], run("f", []int{1}, "Completed", 2000, `{}`)},
			[]string{"f run 1 (events [1]): status Completed, want Cancelled"}},
		{"strict compares events and outputs", true, []RecordedRun{run("f", []int{2}, "Completed", 100, `{"n":[2]}`), base[1]},
			[]string{"f run 1 (events [0]): events [2], want [0]", "f run 1 (events [0]): listed under events [2], want [0]",
				"f run 1 (events [0]): output {\"n\":[2]}, want {\"n\":[0]}"}},
		{"loose ignores which events", false, []RecordedRun{run("f", []int{7}, "Completed", 100, `{"n":[7]}`), base[1]}, nil},
		{"never started", true, []RecordedRun{base[0], {Function: "f", Events: []int{1}, ListedUnder: []int{1}, Status: "Cancelled", StartMS: -1, EndMS: 2010, Output: json.RawMessage(`{}`)}},
			[]string{"f run 1 (events [1]): start at -1 ms, want 2000 ms (-1: none)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &Scenario{Name: "x", Strict: tc.strict}
			require.Equal(t, tc.want, Diff(s, &Recording{Runs: base}, &Recording{Runs: tc.got}))
		})
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	s := &Scenario{Events: []Event{{At: time.Second, Name: "t/x.a"}, {At: 0, Name: "t/x.a"}, {At: time.Second, Name: "t/x.a"}, {At: 0, Name: "t/x.a"}}}
	require.Equal(t, []Group{{At: 0, Indexes: []int{1, 3}}, {At: time.Second, Indexes: []int{0, 2}}}, s.Groups())
	require.Equal(t, time.Second, s.Horizon())
	require.Equal(t, DefaultTolerance, s.Tol())
	require.Equal(t, 2, s.Envelope(2).Data.N)
}

func TestScenarioNamesAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range All() {
		require.False(t, seen[s.Name], "duplicate scenario %s", s.Name)
		seen[s.Name] = true
		require.Equal(t, s.Name, Lookup(s.Name).Name)
	}
}
