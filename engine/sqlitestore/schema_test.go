package sqlitestore

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// TestEveryIndexIsRead lists the schema's indexes: each one is written on
// every insert into its table, so each must serve a query; pruning finds
// finished runs through runs_ended.
func TestEveryIndexIsRead(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	rows, err := s.rdb.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		got = append(got, name)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{
		"flows_expires",    // PruneFlows
		"pauses_event",     // PausesForEvent
		"pauses_run",       // PausesForRun
		"run_events_event", // RunsForEvent
		"run_events_run",   // PruneRuns
		"runs_ended",       // PruneRuns
		"runs_parent",      // ListRuns by ParentRunID
	}, got)

	plan := func(query string) string {
		rows, err := s.rdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, "2026-01-01T00:00:00.000000000Z")
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			out = append(out, detail)
		}
		require.NoError(t, rows.Err())
		return strings.Join(out, "\n")
	}
	where, args := runFilter(enginestore.RunQuery{ParentRunID: "p"})
	require.Equal(t, []any{"p"}, args)
	require.Contains(t, plan(`SELECT seq FROM runs WHERE `+strings.ReplaceAll(where, "?", "'p'")+` AND seq < 10 ORDER BY seq DESC`), "runs_parent")
	require.Contains(t, plan(`SELECT id FROM runs WHERE status IN ('Completed', 'Failed', 'Cancelled') AND ended_at IS NOT NULL AND ended_at < ?`), "runs_ended")
}
