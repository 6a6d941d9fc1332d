package sqlitestore_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/seed-b02f2472/inngest-go/engine"
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
	require.ErrorContains(t, err, "newer")
}

func TestFullSync(t *testing.T) {
	t.Parallel()
	st, err := sqlitestore.OpenOptions(filepath.Join(t.TempDir(), "engine.db"), sqlitestore.Options{FullSync: true})
	require.NoError(t, err)
	defer st.Close()
	ok, err := st.SaveEvent(ctx, engine.EventRecord{ID: "e1", Name: "a"})
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
	ev := engine.EventRecord{ID: "01J0000000000000000000000", Name: "app/user.created", Raw: []byte(`{"id":"01J0000000000000000000000"}`)}
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
