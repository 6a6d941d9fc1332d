package sqlitestore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func eventCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.rp.QueryRowContext(t.Context(), `SELECT count(*) FROM events`).Scan(&n))
	return n
}

func TestWriterTxRollsBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	insert := `INSERT INTO events (id, name, raw, received_at, internal) VALUES (?, 'x', NULL, NULL, 0)`
	boom := errors.New("boom")
	tests := []struct {
		name string
		fn   func(q querier) error
		want error
	}{
		{"fn error", func(q querier) error {
			_, err := q.ExecContext(ctx, insert, "a")
			require.NoError(t, err)
			return boom
		}, boom},
		{"failed statement", func(q querier) error {
			_, err := q.ExecContext(ctx, insert, "b")
			require.NoError(t, err)
			_, err = q.ExecContext(ctx, insert, "b") // primary key
			return err
		}, nil},
		{"bad SQL", func(q querier) error {
			_, err := q.ExecContext(ctx, insert, "c")
			require.NoError(t, err)
			_, err = q.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`)
			return err
		}, nil},
		{"panic", func(q querier) error {
			_, err := q.ExecContext(ctx, insert, "d")
			require.NoError(t, err)
			panic(boom)
		}, nil},
	}
	for _, tt := range tests {
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panicked: %v", p)
				}
			}()
			return s.w.tx(ctx, tt.fn)
		}()
		require.Error(t, err, tt.name)
		if tt.want != nil {
			require.ErrorIs(t, err, tt.want, tt.name)
		}
		require.Zero(t, eventCount(t, s), "%s: rolled back", tt.name)
	}
	// The writer is free and out of any transaction: a statement commits on
	// its own, a transaction commits.
	ok, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: "e1", Name: "x"})
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.Tx(ctx, func(st enginestore.Store) error {
		_, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: "e2", Name: "x"})
		return err
	}))
	require.Equal(t, 2, eventCount(t, s))
}

func TestTxStoreFailsAfterTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var kept enginestore.Store
	require.NoError(t, s.Tx(ctx, func(st enginestore.Store) error {
		kept = st
		if _, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: "e1", Name: "x"}); err != nil {
			return err
		}
		// A pause, so that pause lookups query.
		return st.SavePause(ctx, enginestore.Pause{ID: "p1", RunID: "r1", Event: "x"})
	}))
	_, err = kept.SaveEvent(ctx, enginestore.EventRecord{ID: "e2", Name: "x"})
	require.ErrorIs(t, err, errTxDone)
	_, err = kept.PausesForRun(ctx, "r1")
	require.ErrorIs(t, err, errTxDone)
	_, err = kept.Event(ctx, "e1")
	require.Error(t, err)
	require.NotErrorIs(t, err, enginestore.ErrNotFound)
	require.Equal(t, 1, eventCount(t, s))
}

func TestStatementsAfterReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "engine.db")
	for i := range 3 {
		s, err := Open(path)
		require.NoError(t, err)
		ok, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: fmt.Sprint("e", i), Name: "x"})
		require.NoError(t, err)
		require.True(t, ok)
		for j := range i + 1 {
			ev, err := s.Event(ctx, fmt.Sprint("e", j))
			require.NoError(t, err)
			require.Equal(t, "x", ev.Name)
		}
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "twice")
	}
}

func TestStatementsPastTheCacheBound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	for i := range 2*maxCachedStmts + 1 {
		q := fmt.Sprintf(`INSERT INTO events (id, name, raw, received_at, internal) VALUES (?, 'x%d', NULL, NULL, 0)`, i)
		require.NoError(t, s.tx(ctx, func(tx querier) error {
			_, err := tx.ExecContext(ctx, q, fmt.Sprint("e", i))
			return err
		}))
		var name string
		require.NoError(t, s.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT name FROM events WHERE id = ? AND %d = %d`, i, i), fmt.Sprint("e", i)).Scan(&name))
		require.Equal(t, fmt.Sprint("x", i), name)
	}
	require.Len(t, s.w.stmts.m, maxCachedStmts)
	require.Len(t, s.rp.stmts.m, maxCachedStmts)
	require.Equal(t, 2*maxCachedStmts+1, eventCount(t, s))
}

// Goroutines that use a statement for the first time at once all get it
// run; one prepared statement is kept.
func TestReadersPrepareConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	for i := range 3 {
		_, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: fmt.Sprint("e", i), Name: "x"})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for g := range 4 * maxReaders {
		wg.Go(func() {
			ev, err := s.Event(ctx, fmt.Sprint("e", g%3))
			assert.NoError(t, err)
			assert.Equal(t, "x", ev.Name)
		})
	}
	wg.Wait()
	require.Len(t, s.rp.stmts.m, 1)
}
