package sqlitestore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

func pragma(t *testing.T, path, name string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var v string
	require.NoError(t, db.QueryRow("PRAGMA "+name).Scan(&v))
	return v
}

func TestOpenDirCreatesTheDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	st, err := sqlitestore.OpenDir(dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, sqlitestore.FileName), st.Path())
	require.NoError(t, st.Close())
	require.NoError(t, st.Close(), "Close twice")
	_, err = os.Stat(filepath.Join(dir, "engine.db"))
	require.NoError(t, err)
	require.Equal(t, "wal", pragma(t, st.Path(), "journal_mode"))
	require.Equal(t, fmt.Sprint(sqlitestore.SchemaVersion), pragma(t, st.Path(), "user_version"))
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		_, err := sqlitestore.Open(path)
		require.Error(t, err, path)
	}
	_, err := sqlitestore.OpenDir("")
	require.Error(t, err)
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "engine.db")
	st, err := sqlitestore.Open(path)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", sqlitestore.SchemaVersion+1))
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = sqlitestore.Open(path)
	require.ErrorIs(t, err, sqlitestore.ErrVersion)
	var ve *sqlitestore.VersionError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, sqlitestore.SchemaVersion+1, ve.Found)
	require.Equal(t, sqlitestore.SchemaVersion, ve.Supported)
	require.ErrorContains(t, err, "newer than this build supports")
	_, err = sqlitestore.OpenOptions(path, sqlitestore.Options{ReadOnly: true})
	require.ErrorIs(t, err, sqlitestore.ErrVersion)
}

func TestFullSync(t *testing.T) {
	t.Parallel()
	st, err := sqlitestore.OpenOptions(filepath.Join(t.TempDir(), "engine.db"), sqlitestore.Options{FullSync: true})
	require.NoError(t, err)
	defer st.Close()
	ok, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: "e1", Name: "a"})
	require.NoError(t, err)
	require.True(t, ok)
}

func ExampleOpenDir() {
	dir, _ := os.MkdirTemp("", "engine")
	defer os.RemoveAll(dir)
	st, err := sqlitestore.OpenDir(dir)
	if err != nil {
		panic(err)
	}
	ev := enginestore.EventRecord{ID: "01J0000000000000000000000", Name: "app/user.created", Raw: []byte(`{"id":"01J0000000000000000000000"}`)}
	first, _ := st.SaveEvent(ctx, ev)
	again, _ := st.SaveEvent(ctx, ev)
	_ = st.Close()

	// Reopen the directory: the event is still there.
	st, _ = sqlitestore.OpenDir(dir)
	defer st.Close()
	got, _ := st.Event(ctx, ev.ID)
	fmt.Println(first, again, got.Name)
	// Output: true false app/user.created
}

func TestTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	run := func(id string) *enginestore.RunRecord {
		return &enginestore.RunRecord{Run: runtype.Run{ID: id, Status: runtype.StatusQueued, EventIDs: []string{"ev-" + id}}}
	}
	tests := []struct {
		name   string
		fn     func(s enginestore.Store) error
		commit bool
	}{
		{"commit", func(enginestore.Store) error { return nil }, true},
		{"error rolls back", func(enginestore.Store) error { return errors.New("boom") }, false},
		{"panic rolls back", func(enginestore.Store) error { panic("boom") }, false},
	}
	for i, tt := range tests {
		id := fmt.Sprint("r", i)
		err := func() (err error) {
			defer func() {
				if recover() != nil {
					err = errors.New("panicked")
				}
			}()
			return st.Tx(ctx, func(s enginestore.Store) error {
				ok, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: "ev-" + id, Name: "x"})
				require.NoError(t, err)
				require.True(t, ok)
				require.NoError(t, s.SaveRun(ctx, run(id)))
				require.NoError(t, s.SaveTimer(ctx, enginestore.TimerItem{ID: "t-" + id, Kind: enginestore.TimerCall, RunID: id}))
				// Reads inside the transaction see its writes.
				got, err := s.Run(ctx, id)
				require.NoError(t, err)
				require.Equal(t, id, got.ID)
				rs, err := s.RunsForEvent(ctx, "ev-"+id)
				require.NoError(t, err)
				require.Len(t, rs, 1)
				// Outside readers do not, until the commit.
				_, err = st.Run(ctx, id)
				require.ErrorIs(t, err, enginestore.ErrNotFound)
				return tt.fn(s)
			})
		}()
		require.Equal(t, tt.commit, err == nil, "%s: %v", tt.name, err)
		_, evErr := st.Event(ctx, "ev-"+id)
		_, runErr := st.Run(ctx, id)
		if tt.commit {
			require.NoError(t, evErr, tt.name)
			require.NoError(t, runErr, tt.name)
		} else {
			require.ErrorIs(t, evErr, enginestore.ErrNotFound, tt.name)
			require.ErrorIs(t, runErr, enginestore.ErrNotFound, tt.name)
		}
	}
	// Only the committed transaction's timer is there, and the store still works.
	timers, err := st.Timers(ctx)
	require.NoError(t, err)
	require.Len(t, timers, 1)
	require.Equal(t, "t-r0", timers[0].ID)
	require.NoError(t, st.DeleteTimer(ctx, "t-r0"))
}

func TestOpenRefusesASecondEngine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "engine.db")
	st, err := sqlitestore.Open(path)
	require.NoError(t, err)
	_, err = sqlitestore.Open(path)
	require.ErrorIs(t, err, sqlitestore.ErrLocked)
	require.ErrorContains(t, err, "one engine per file")
	// A read-only inspector does not need the lock, and cannot write.
	ro, err := sqlitestore.OpenOptions(path, sqlitestore.Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = ro.SaveEvent(ctx, enginestore.EventRecord{ID: "e1", Name: "a"})
	require.Error(t, err)
	require.NoError(t, ro.Close())
	// Closing releases the lock.
	require.NoError(t, st.Close())
	st, err = sqlitestore.Open(path)
	require.NoError(t, err)
	require.NoError(t, st.Close())
}

func TestOpenReadOnlyNeedsAnExistingFile(t *testing.T) {
	t.Parallel()
	_, err := sqlitestore.OpenOptions(filepath.Join(t.TempDir(), "none.db"), sqlitestore.Options{ReadOnly: true})
	require.Error(t, err)
}
