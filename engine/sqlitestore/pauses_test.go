package sqlitestore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/stretchr/testify/require"
)

// storedPauses counts the pauses in the file (the truth the gate follows).
func storedPauses(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.rp.QueryRowContext(t.Context(), `SELECT count(*) FROM pauses`).Scan(&n))
	return n
}

// Pause lookups skip their query only while no pause is stored: random saves
// and deletions, in and out of transactions that commit or roll back, never
// leave the store answering "none" with a pause in the table, and a table
// emptied by a committed deletion is answered without a query.
func TestPauseLookupsWhileTheTableIsEmpty(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "engine.db")
	s, err := Open(path)
	require.NoError(t, err)
	defer func() { _ = s.Close() }()

	lookup := func() []enginestore.Pause {
		before := s.Counts().Reads
		ps, err := s.PausesForRun(ctx, "r1")
		require.NoError(t, err)
		byEvent, err := s.PausesForEvent(ctx, "x")
		require.NoError(t, err)
		require.Equal(t, ps, byEvent)
		if s.pauses.none() {
			require.Equal(t, before, s.Counts().Reads, "no query while the table is empty")
		}
		return ps
	}
	require.Empty(t, lookup())
	require.True(t, s.pauses.none(), "a new file has no pause")

	boom := errors.New("boom")
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]bool{}
	for i := range 400 {
		id := fmt.Sprint("p", rng.IntN(3))
		op := rng.IntN(6)
		switch op {
		case 0:
			require.NoError(t, s.SavePause(ctx, enginestore.Pause{ID: id, RunID: "r1", Event: "x"}))
			model[id] = true
		case 1:
			ok, err := s.DeletePause(ctx, id)
			require.NoError(t, err)
			require.Equal(t, model[id], ok)
			delete(model, id)
		default: // a transaction of a deletion and maybe a save, committed or not
			commit := op != 5
			next := map[string]bool{}
			for k := range model {
				next[k] = true
			}
			err := s.Tx(ctx, func(st enginestore.Store) error {
				ok, err := st.DeletePause(ctx, id)
				require.NoError(t, err)
				require.Equal(t, next[id], ok)
				delete(next, id)
				if op == 3 {
					other := fmt.Sprint("p", rng.IntN(3))
					require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: other, RunID: "r1", Event: "x"}))
					next[other] = true
				}
				if !commit {
					return boom
				}
				return nil
			})
			if commit {
				require.NoError(t, err)
				model = next
			} else {
				require.ErrorIs(t, err, boom)
			}
		}
		n := storedPauses(t, s)
		require.Equal(t, len(model), n, "step %d", i)
		require.Len(t, lookup(), n, "step %d", i)
		if n == 0 && (op == 1 || (op != 5 && op != 3)) {
			require.True(t, s.pauses.none(), "step %d: an emptied table skips the query", i)
		}
	}

	// Reopened with a pause stored, lookups query; a read-only store always does.
	require.NoError(t, s.SavePause(ctx, enginestore.Pause{ID: "p9", RunID: "r1", Event: "x"}))
	require.NoError(t, s.Close())
	s, err = Open(path)
	require.NoError(t, err)
	require.False(t, s.pauses.none())
	ro, err := OpenOptions(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer func() { _ = ro.Close() }()
	ok, err := s.DeletePause(ctx, "p9")
	require.NoError(t, err)
	require.True(t, ok)
	for id := range model {
		_, err := s.DeletePause(ctx, id)
		require.NoError(t, err)
	}
	require.True(t, s.pauses.none())
	require.NoError(t, s.SavePause(ctx, enginestore.Pause{ID: "p10", RunID: "r1", Event: "x"}))
	ps, err := ro.PausesForRun(ctx, "r1")
	require.NoError(t, err)
	require.Len(t, ps, 1, "a read-only store sees another writer's pause")
}
