package sqlitestore

import (
	"context"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/stretchr/testify/require"
)

// When a statement fails in a transaction, SQLite may have rolled the whole
// transaction back (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, SQLITE_BUSY, a
// constraint resolved by ROLLBACK): the statements after it would then each
// commit on their own, half a step stored. None runs, and the transaction does
// not commit, even when fn ignores the failure (the engine only logs some).
// The failure here is INSERT OR ROLLBACK, which rolls back deterministically.
func TestNothingRunsAfterAFailedStatementInATransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	_, err := st.w.single(ctx, `CREATE TABLE once (id INTEGER PRIMARY KEY)`)
	require.NoError(t, err)
	_, err = st.w.single(ctx, `INSERT INTO once (id) VALUES (1)`)
	require.NoError(t, err)
	for _, fnFails := range []bool{false, true} {
		r := itemsRun("r1")
		appendStep(r, 0)
		err := st.Tx(ctx, func(s enginestore.Store) error {
			_, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: "ev1", Name: "x"})
			require.NoError(t, err)
			_, failed := s.(*txStore).w.ExecContext(ctx, `INSERT OR ROLLBACK INTO once (id) VALUES (1)`)
			require.Error(t, failed)
			// What a step does next, ignoring the failure.
			saveErr := s.SaveRun(ctx, cloneRun(r))
			_, evErr := s.SaveEvent(ctx, enginestore.EventRecord{ID: "ev2", Name: "x"})
			require.Error(t, saveErr, "a statement after the failed one")
			require.Error(t, evErr, "a statement after the failed one")
			if fnFails {
				return failed
			}
			return nil
		})
		require.Error(t, err, "fn failed: %v", fnFails)
		_, err = st.Run(ctx, "r1")
		require.ErrorIs(t, err, enginestore.ErrNotFound, "fn failed: %v", fnFails)
		require.Zero(t, eventCount(t, st), "fn failed: %v", fnFails)
	}
	// The store goes on.
	r := itemsRun("r1")
	require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error { return s.SaveRun(ctx, cloneRun(r)) }))
	requireStored(t, st, r, "after")
}
