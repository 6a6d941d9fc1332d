package sqlitestore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

// Timers due at the same time come in the order they were first saved,
// across a reopen of the file and when one is replaced.
func TestTimerOrderSurvivesReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "engine.db")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	timer := func(id string) enginestore.TimerItem {
		return enginestore.TimerItem{ID: id, At: at, Kind: enginestore.TimerSleep, RunID: "r1"}
	}
	var want []string
	for _, ids := range [][]string{{"tc", "ta"}, {"tb"}, {"t0"}} {
		st, err := sqlitestore.Open(path)
		require.NoError(t, err)
		for _, id := range ids {
			require.NoError(t, st.SaveTimer(ctx, timer(id)))
			want = append(want, id)
		}
		// Replaced, the first timer keeps its place.
		replaced := timer("tc")
		replaced.Attempt = len(want)
		require.NoError(t, st.SaveTimer(ctx, replaced))
		ts, err := st.Timers(ctx)
		require.NoError(t, err)
		var got []string
		for _, tm := range ts {
			got = append(got, tm.ID)
		}
		require.Equal(t, want, got)
		require.Equal(t, len(want), ts[0].Attempt)
		require.NoError(t, st.Close())
	}
}
