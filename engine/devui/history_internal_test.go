package devui

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// A run's timeline says how many entries were dropped, where they were.
func TestHistoryRowsShowDropped(t *testing.T) {
	t.Parallel()
	run := engine.Run{HistoryDropped: 4500}
	for i := range engine.MaxHistory {
		run.History = append(run.History, engine.HistoryItem{Time: time.Unix(int64(i), 0), Kind: "step", StepID: "s" + strconv.Itoa(i)})
	}
	rows := historyRows(run)
	require.Len(t, rows, engine.MaxHistory+1)
	require.Equal(t, "s"+strconv.Itoa(engine.HistoryHead-1), rows[engine.HistoryHead-1].Step)
	require.Equal(t, "dropped", rows[engine.HistoryHead].Kind)
	require.Contains(t, rows[engine.HistoryHead].Detail, "4500 entries not kept")
	require.Equal(t, "s"+strconv.Itoa(engine.HistoryHead), rows[engine.HistoryHead+1].Step)

	require.Len(t, historyRows(engine.Run{History: run.History[:3]}), 3, "nothing dropped, no row")
}
