package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/gob"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// encodeGob encodes a run as the first releases did (runFormatGob): gob of
// the whole enginestore.RunRecord.
func encodeGob(t *testing.T, r *enginestore.RunRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, gob.NewEncoder(&b).Encode(r))
	return b.Bytes()
}

// writeV1 creates a file at schema version 1 (as the first release wrote
// it) holding one run and one timer.
func writeV1(t *testing.T, path string, run *enginestore.RunRecord) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(migrations[0])
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 1")
	require.NoError(t, err)
	state := encodeGob(t, run)
	_, err = db.Exec(`INSERT INTO runs (id, app_id, function_id, status, started_at, ended_at, parent_run_id, state)
VALUES (?, ?, ?, ?, NULL, NULL, '', ?)`, run.ID, run.AppID, run.FunctionID, string(run.Status), state)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO run_events (event_id, run_id) VALUES ('e1', ?)`, run.ID)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO timers (id, at, kind, priority, run_id, step_id, pause_id, attempt, job_id, generation, function_id, key)
VALUES ('t1', NULL, 'sleep', 0, ?, 'h1', '', 0, '', 0, '', '')`, run.ID)
	require.NoError(t, err)
}

func TestUpgradeReadsAVersion1File(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	run := &enginestore.RunRecord{
		Run:  runtype.Run{ID: "r1", AppID: "app", FunctionID: "app-fn", Status: runtype.StatusRunning, EventIDs: []string{"e1"}, Events: []json.RawMessage{json.RawMessage(`{"id":"e1"}`)}},
		Memo: []enginestore.MemoEntry{{ID: "h0", Value: json.RawMessage(`{"data":1}`)}},
		Keys: map[string]string{"c0": "k"},
	}
	writeV1(t, path, run)

	st, err := Open(path)
	require.NoError(t, err)
	defer st.Close()
	got, err := st.Run(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, run, got)
	byEv, err := st.RunsForEvent(ctx, "e1")
	require.NoError(t, err)
	require.Len(t, byEv, 1)
	timers, err := st.Timers(ctx)
	require.NoError(t, err)
	require.Equal(t, []enginestore.TimerItem{{ID: "t1", Kind: enginestore.TimerSleep, RunID: "r1", StepID: "h1"}}, timers)
	// The upgraded file takes the new records, and the run is rewritten in
	// the current encoding.
	require.NoError(t, st.SaveFlow(ctx, enginestore.FlowRecord{FunctionID: "app-fn", Kind: enginestore.FlowDebounce, Data: json.RawMessage(`{}`)}))
	require.NoError(t, st.SaveRun(ctx, got))
	var v, format int
	require.NoError(t, st.rdb.QueryRow("PRAGMA user_version").Scan(&v))
	require.NoError(t, st.rdb.QueryRow("SELECT format FROM runs WHERE id = 'r1'").Scan(&format))
	require.Equal(t, SchemaVersion, v)
	require.Equal(t, runFormat, format)
	requireStored(t, st, run, "rewritten")
	// Its next step is one more row; a store that reopens the file reads
	// it whole.
	appendStep(run, 1)
	require.NoError(t, st.SaveRun(ctx, cloneRun(run)))
	requireStored(t, st, run, "a step more")
	require.NoError(t, st.Close())
	st2, err := Open(path)
	require.NoError(t, err)
	defer st2.Close()
	requireStored(t, st2, run, "reopened")
}

func TestARunOfAnUnknownEncodingIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	st, err := Open(path)
	require.NoError(t, err)
	defer func() { _ = st.Close() }()
	run := &enginestore.RunRecord{Run: runtype.Run{ID: "r1", Status: runtype.StatusRunning, EventIDs: []string{"e1"}, StartedAt: time.Unix(1, 0)}}
	require.NoError(t, st.SaveRun(ctx, run))
	got, err := st.Run(ctx, "r1")
	require.NoError(t, err, "the current encoding round-trips")
	require.Equal(t, run.ID, got.ID)

	// As if a newer build had saved the run: the file is reopened.
	_, err = st.w.single(ctx, "UPDATE runs SET format = ? WHERE id = 'r1'", runFormat+1)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	st, err = Open(path)
	require.NoError(t, err)
	_, err = st.Run(ctx, "r1")
	require.ErrorIs(t, err, ErrVersion)
	require.ErrorContains(t, err, "run r1 encoding version 3 is newer than this build supports (2)")
	_, err = st.Runs(ctx)
	require.ErrorIs(t, err, ErrVersion)
	_, err = st.RunsForEvent(ctx, "e1")
	require.ErrorIs(t, err, ErrVersion)
}
