package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// listRuns reads one page and returns its run IDs.
func listRuns(t *testing.T, st enginestore.Store, q enginestore.RunQuery) ([]string, enginestore.RunPage) {
	t.Helper()
	p, err := st.ListRuns(ctx, q)
	require.NoError(t, err)
	return ids(p.Runs), p
}

// listRunsBehaviours are the behaviours of Store.ListRuns.
var listRunsBehaviours = []behaviour{
	{
		// Seven runs r1..r7 (r1 oldest); r3 is replaced after r7 was
		// saved and keeps its place. Pages of three walk them newest
		// first and back.
		name: "list runs: pages newest first, cursors both ways",
		setup: func(t *testing.T, st enginestore.Store) {
			for i := 1; i <= 7; i++ {
				require.NoError(t, st.SaveRun(ctx, FullRun(fmt.Sprintf("r%d", i), fmt.Sprintf("e%d", i))))
			}
			r3 := FullRun("r3", "e3")
			r3.Status = runtype.StatusCompleted
			require.NoError(t, st.SaveRun(ctx, r3))
		},
		check: func(t *testing.T, st enginestore.Store) {
			got, p1 := listRuns(t, st, enginestore.RunQuery{Limit: 3})
			require.Equal(t, []string{"r7", "r6", "r5"}, got)
			require.Empty(t, p1.Newer, "nothing is newer than the newest page")
			require.NotEmpty(t, p1.Older)
			require.Equal(t, FullRun("r7", "e7"), p1.Runs[0], "a listed run is the whole run")

			got, p2 := listRuns(t, st, enginestore.RunQuery{Limit: 3, Before: p1.Older})
			require.Equal(t, []string{"r4", "r3", "r2"}, got)
			require.Equal(t, runtype.StatusCompleted, p2.Runs[1].Status, "the replaced run, in its first place")
			require.NotEmpty(t, p2.Newer)
			require.NotEmpty(t, p2.Older)

			got, p3 := listRuns(t, st, enginestore.RunQuery{Limit: 3, Before: p2.Older})
			require.Equal(t, []string{"r1"}, got)
			require.Empty(t, p3.Older, "nothing is older than the last page")
			require.NotEmpty(t, p3.Newer)

			got, back := listRuns(t, st, enginestore.RunQuery{Limit: 3, After: p3.Newer})
			require.Equal(t, []string{"r4", "r3", "r2"}, got, "After gives the page nearest the cursor")
			require.Equal(t, p2.Older, back.Older)
			require.Equal(t, p2.Newer, back.Newer)

			got, top := listRuns(t, st, enginestore.RunQuery{Limit: 3, After: p2.Newer})
			require.Equal(t, []string{"r7", "r6", "r5"}, got)
			require.Empty(t, top.Newer)
			require.Equal(t, p1.Older, top.Older)

			got, all := listRuns(t, st, enginestore.RunQuery{})
			require.Equal(t, []string{"r7", "r6", "r5", "r4", "r3", "r2", "r1"}, got, "the default limit holds them all")
			require.Empty(t, all.Older)
			require.Empty(t, all.Newer)
		},
	},
	{
		name: "list runs: filters",
		setup: func(t *testing.T, st enginestore.Store) {
			for i := 1; i <= 6; i++ {
				r := FullRun(fmt.Sprintf("r%d", i), fmt.Sprintf("e%d", i))
				r.FunctionID = []string{"app-a", "app-b"}[i%2]
				r.Status = []runtype.Status{runtype.StatusRunning, runtype.StatusCompleted, runtype.StatusFailed}[i%3]
				r.StartedAt = t0.Add(time.Duration(i) * time.Minute)
				r.ParentRunID = ""
				if i >= 5 {
					r.ParentRunID = "r1"
				}
				require.NoError(t, st.SaveRun(ctx, r))
			}
		},
		check: func(t *testing.T, st enginestore.Store) {
			for _, c := range []struct {
				name string
				q    enginestore.RunQuery
				want []string
			}{
				{"function", enginestore.RunQuery{FunctionID: "app-b"}, []string{"r5", "r3", "r1"}},
				{"status", enginestore.RunQuery{Status: runtype.StatusCompleted}, []string{"r4", "r1"}},
				{"started since (inclusive)", enginestore.RunQuery{StartedSince: t0.Add(4 * time.Minute)}, []string{"r6", "r5", "r4"}},
				{"parent", enginestore.RunQuery{ParentRunID: "r1"}, []string{"r6", "r5"}},
				{"together", enginestore.RunQuery{FunctionID: "app-a", StartedSince: t0.Add(3 * time.Minute)}, []string{"r6", "r4"}},
				{"none match", enginestore.RunQuery{FunctionID: "app-z"}, []string{}},
			} {
				got, p := listRuns(t, st, c.q)
				require.Equal(t, c.want, got, c.name)
				require.Empty(t, p.Older, c.name)
				require.Empty(t, p.Newer, c.name)
			}
			// A filtered walk: the cursors skip what does not match.
			got, p := listRuns(t, st, enginestore.RunQuery{FunctionID: "app-a", Limit: 1})
			require.Equal(t, []string{"r6"}, got)
			require.Empty(t, p.Newer)
			got, p = listRuns(t, st, enginestore.RunQuery{FunctionID: "app-a", Limit: 1, Before: p.Older})
			require.Equal(t, []string{"r4"}, got)
			require.NotEmpty(t, p.Newer)
			got, p = listRuns(t, st, enginestore.RunQuery{FunctionID: "app-a", Limit: 1, Before: p.Older})
			require.Equal(t, []string{"r2"}, got)
			require.Empty(t, p.Older, "r1, r3 and r5 are another function's")
			got, _ = listRuns(t, st, enginestore.RunQuery{FunctionID: "app-a", Limit: 1, After: p.Newer})
			require.Equal(t, []string{"r4"}, got)
		},
	},
	{
		name: "list runs: bad cursors",
		setup: func(t *testing.T, st enginestore.Store) {
			require.NoError(t, st.SaveRun(ctx, FullRun("r1", "e1")))
		},
		check: func(t *testing.T, st enginestore.Store) {
			for _, q := range []enginestore.RunQuery{
				{Before: "nope"}, {After: "r"}, {Before: "r0"}, {After: "x12"}, {Before: "r-1"},
				{Before: enginestore.EncodeCursor(1), After: enginestore.EncodeCursor(1)},
			} {
				_, err := st.ListRuns(ctx, q)
				require.ErrorIs(t, err, enginestore.ErrCursor, "%+v", q)
			}
			got, p := listRuns(t, st, enginestore.RunQuery{Before: enginestore.EncodeCursor(1 << 40)})
			require.Equal(t, []string{"r1"}, got, "a cursor past the newest run is before all of them")
			require.Empty(t, p.Newer)
		},
	},
}
