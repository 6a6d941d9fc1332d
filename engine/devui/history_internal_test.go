package devui

import (
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// A run's timeline says how many entries were dropped, where they were.
func TestHistoryRowsShowDropped(t *testing.T) {
	t.Parallel()
	run := runtype.Run{HistoryDropped: 4500}
	for i := range runtype.MaxHistory {
		run.History = append(run.History, runtype.HistoryItem{Time: time.Unix(int64(i), 0), Kind: "step", StepID: "s" + strconv.Itoa(i)})
	}
	rows := historyRows(run)
	require.Len(t, rows, runtype.MaxHistory+1)
	require.Equal(t, "s"+strconv.Itoa(runtype.HistoryHead-1), rows[runtype.HistoryHead-1].Step)
	require.Equal(t, "dropped", rows[runtype.HistoryHead].Kind)
	require.Contains(t, rows[runtype.HistoryHead].Detail, "4500 entries not kept")
	require.Equal(t, "s"+strconv.Itoa(runtype.HistoryHead), rows[runtype.HistoryHead+1].Step)

	require.Len(t, historyRows(runtype.Run{History: run.History[:3]}), 3, "nothing dropped, no row")
}
