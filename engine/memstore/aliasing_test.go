package memstore

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// TestStoreCatchesModifiedRun checks the checker the engine's tests
// rely on: a stored run (or a part a load shares with it) that changes
// after it was saved makes the next read panic.
func TestStoreCatchesModifiedRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newRun := func() *enginestore.RunRecord {
		return &enginestore.RunRecord{Run: runtype.Run{ID: "r1", Status: runtype.StatusRunning, EventIDs: []string{"e1"},
			Events: []json.RawMessage{json.RawMessage(`{"name":"a"}`)}, Steps: []runtype.Step{{ID: "s1"}},
			History: []runtype.HistoryItem{{Kind: "queued"}}}, Memo: []enginestore.MemoEntry{{ID: "s1", Value: json.RawMessage(`1`)}}}
	}
	tests := []struct {
		name   string
		modify func(saved, loaded *enginestore.RunRecord)
		panics bool
	}{
		{"saved run's status", func(s, _ *enginestore.RunRecord) { s.Status = runtype.StatusFailed }, true},
		{"saved run's history entry", func(s, _ *enginestore.RunRecord) { s.History[0].Kind = "x" }, true},
		{"shared history entry of a load", func(_, l *enginestore.RunRecord) { l.History[0].Kind = "x" }, true},
		{"shared memo entry of a load", func(_, l *enginestore.RunRecord) { l.Memo[0].Value = json.RawMessage(`2`) }, true},
		{"load's own steps", func(_, l *enginestore.RunRecord) { l.Steps[0].Done = true }, false},
		{"append to a load's history", func(_, l *enginestore.RunRecord) { l.History = append(l.History, runtype.HistoryItem{Kind: "y"}) }, false},
		{"append to a load's memo", func(_, l *enginestore.RunRecord) { l.Memo = append(l.Memo, enginestore.MemoEntry{ID: "s2"}) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := NewChecked()
			saved := newRun()
			require.NoError(t, m.KeepRun(ctx, saved))
			loaded, err := m.SharedRun(ctx, "r1")
			require.NoError(t, err)
			require.NotNil(t, loaded)
			tc.modify(saved, loaded)
			read := func() { _, _ = m.Run(ctx, "r1") }
			if tc.panics {
				require.Panics(t, read)
			} else {
				require.NotPanics(t, read)
			}
		})
	}
}
