package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/gob"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

var (
	evUpgradeStart = events.Define[crashIn]("test/upgrade.start")
	evUpgradeGo    = events.Define[crashIn]("test/upgrade.go")
)

// toFormat1 rewrites a closed database file as the releases before schema
// version 3 wrote it: every run gob-encoded whole in runs.state (format 1),
// no run_items table, user_version 2.
func toFormat1(t *testing.T, path string) {
	t.Helper()
	ro, err := sqlitestore.OpenOptions(path, sqlitestore.Options{ReadOnly: true})
	require.NoError(t, err)
	runs, err := ro.Runs(t.Context())
	require.NoError(t, err)
	require.NoError(t, ro.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for _, r := range runs {
		var b bytes.Buffer
		require.NoError(t, gob.NewEncoder(&b).Encode(r))
		_, err := db.Exec(`UPDATE runs SET state = ?, format = 1 WHERE id = ?`, b.Bytes(), r.ID)
		require.NoError(t, err)
	}
	_, err = db.Exec(`DROP TABLE run_items`)
	require.NoError(t, err)
	_, err = db.Exec(`PRAGMA user_version = 2`)
	require.NoError(t, err)
}

// A run parked in a wait in a database of the previous run format (format
// 1, schema version 2) resumes after an upgrade: its memoized steps are not
// run again and it completes; saved again, it is in the new format.
func TestARunOfTheOldFormatResumesAfterTheUpgrade(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "engine.db")

	// The engine behind one URL, replaced at the restart.
	var front atomic.Pointer[engine.Engine]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		front.Load().Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	start := func() (*engine.Engine, *sqlitestore.Store) {
		st, err := sqlitestore.Open(path)
		require.NoError(t, err)
		eng, err := engine.New(engine.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		front.Store(eng)
		return eng, st
	}

	count := &counters{n: map[string]int{}}
	client, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "upgrade", Mode: inngest.ModeDev, APIBaseURL: srv.URL, EventAPIBaseURL: srv.URL,
		Checkpoint: inngest.CheckpointOptions{Disabled: true}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "upgrader"}, inngest.OnEvent(evUpgradeStart),
		func(ctx context.Context, in inngest.Input[crashIn]) (int, error) {
			a, err := step.Run(ctx, "a", func(context.Context) (int, error) { count.inc("a"); return 1, nil })
			if err != nil {
				return 0, err
			}
			b, err := step.Run(ctx, "b", func(context.Context) (int, error) { count.inc("b"); return 20, nil })
			if err != nil {
				return 0, err
			}
			got, ok, err := step.WaitForEvent(ctx, "wait", evUpgradeGo, time.Minute, step.WaitOpts{If: "async.data.n == event.data.n"})
			if err != nil || !ok {
				return 0, err
			}
			c, err := step.Run(ctx, "c", func(context.Context) (int, error) { count.inc("c"); return 300, nil })
			if err != nil {
				return 0, err
			}
			return a + b + c + got.Data.N*1000, nil
		})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, fn)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	defer app.Close()

	eng, st := start()
	require.NoError(t, h.Register(ctx, app.URL+"/api/inngest"))
	ids, err := client.Send(ctx, evUpgradeStart.New(crashIn{N: 7}))
	require.NoError(t, err)
	eventually(ctx, t, "the run waits", func() bool {
		runs := must(eng.RunsForEvent(ids[0]))
		return len(runs) == 1 && len(runs[0].Waits) == 1
	})
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())
	toFormat1(t, path)

	eng, st = start()
	defer st.Close()
	defer eng.Close()
	_, err = client.Send(ctx, evUpgradeGo.New(crashIn{N: 7}))
	require.NoError(t, err)
	runs, err := eng.WaitForEventRuns(ctx, ids[0], 1)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
	require.JSONEq(t, `7321`, string(runs[0].Output))
	require.Equal(t, 1, count.get("a"), "memoized before the upgrade: not run again")
	require.Equal(t, 1, count.get("b"))
	require.Equal(t, 1, count.get("c"))
	got, err := st.Run(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Len(t, got.Memo, 4, "a, b, the wait and c")
	require.Equal(t, `7321`, string(got.Output))
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var format, items int
	require.NoError(t, db.QueryRow(`SELECT format FROM runs WHERE id = ?`, got.ID).Scan(&format))
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM run_items WHERE run_id = ?`, got.ID).Scan(&items))
	require.Equal(t, 2, format, "saved again in the new format")
	require.Equal(t, len(got.Memo)+len(got.Steps)+len(got.History), items)
}
