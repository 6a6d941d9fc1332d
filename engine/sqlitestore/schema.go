package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version counts the applied
// ones. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: initial schema. Times are TEXT in fixed-width UTC (timeLayout), NULL
	// for the zero time. Apps, runs and run_events keep their insertion order
	// in the integer primary key (upserts keep it).
	`
CREATE TABLE apps (
	seq      INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE,
	id       TEXT NOT NULL,
	url      TEXT NOT NULL,
	checksum TEXT NOT NULL,
	sync_id  TEXT NOT NULL,
	config   BLOB
);
CREATE TABLE events (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	raw         BLOB,
	received_at TEXT,
	internal    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_name ON events (name);
CREATE TABLE runs (
	seq           INTEGER PRIMARY KEY,
	id            TEXT NOT NULL UNIQUE,
	app_id        TEXT NOT NULL,
	function_id   TEXT NOT NULL,
	status        TEXT NOT NULL,
	started_at    TEXT,
	ended_at      TEXT,
	parent_run_id TEXT NOT NULL,
	state         BLOB NOT NULL
);
CREATE INDEX runs_function ON runs (function_id, seq);
CREATE INDEX runs_status ON runs (status);
CREATE TABLE run_events (
	seq      INTEGER PRIMARY KEY,
	event_id TEXT NOT NULL,
	run_id   TEXT NOT NULL
);
CREATE INDEX run_events_event ON run_events (event_id, seq);
CREATE INDEX run_events_run ON run_events (run_id);
CREATE TABLE pauses (
	id             TEXT PRIMARY KEY,
	kind           TEXT NOT NULL,
	run_id         TEXT NOT NULL,
	step_id        TEXT NOT NULL,
	event          TEXT NOT NULL,
	cond           TEXT NOT NULL,
	correlation_id TEXT NOT NULL,
	expires        TEXT,
	timer_id       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX pauses_event ON pauses (event, id);
CREATE INDEX pauses_run ON pauses (run_id, id);
CREATE TABLE timers (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	at          TEXT,
	kind        TEXT NOT NULL,
	priority    INTEGER NOT NULL,
	run_id      TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	pause_id    TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	job_id      TEXT NOT NULL,
	generation  INTEGER NOT NULL,
	function_id TEXT NOT NULL,
	key         TEXT NOT NULL
);
CREATE INDEX timers_at ON timers (at, seq);
CREATE INDEX timers_run ON timers (run_id);
`,
	// 2: step.fetch requests in timers.data; flow-control state (debounce
	// and batch buffers, rate-limit, throttle and idempotency keys); the
	// encoding of each stored run (runs.format, see runFormat; the runs of
	// version 1 are gob, format 1).
	`
ALTER TABLE timers ADD COLUMN data BLOB;
ALTER TABLE runs ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
CREATE TABLE flows (
	seq         INTEGER PRIMARY KEY,
	function_id TEXT NOT NULL,
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	config      TEXT NOT NULL,
	data        BLOB,
	expires     TEXT,
	UNIQUE (function_id, kind, key)
);
CREATE INDEX flows_expires ON flows (expires) WHERE expires IS NOT NULL;
`,
	// 3: a run's memo, step records and history as rows, one per entry
	// (runs.format 2, see runFormatItems): kind 0 is a memoized step result
	// (data is the raw value), 1 a step record, 2 a history item (data is
	// their binary encoding, codec.go); step_id is the entry's step. seq
	// orders a run's rows (each kind in its list's order), from one counter
	// per run, so that the rows a save adds are appended together. The runs
	// of format 1 stay as they are until saved again.
	`
CREATE TABLE run_items (
	run_id  TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	kind    INTEGER NOT NULL,
	step_id TEXT NOT NULL,
	data    BLOB,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
`,
	// 4: no index that no query reads: each one is written on every insert
	// (and every update of its columns). Runs by status were read only by
	// pruning, which reads finished runs by end time: ended_at is indexed
	// instead, written once, when a run ends. Timers are read in order only
	// at start, which sorts them.
	`
DROP INDEX IF EXISTS events_name;
DROP INDEX IF EXISTS runs_function;
DROP INDEX IF EXISTS runs_status;
DROP INDEX IF EXISTS timers_at;
DROP INDEX IF EXISTS timers_run;
CREATE INDEX IF NOT EXISTS runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;
`,
	// 5: timers keyed by their ID alone (one B-tree instead of a rowid
	// table and a unique index on id: a timer saved and deleted writes half
	// the pages). seq, the order in which timers were first saved, is a
	// plain column the store numbers (see queries.timerSeq).
	`
CREATE TABLE timers_v5 (
	id          TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	at          TEXT,
	kind        TEXT NOT NULL,
	priority    INTEGER NOT NULL,
	run_id      TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	pause_id    TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	job_id      TEXT NOT NULL,
	generation  INTEGER NOT NULL,
	function_id TEXT NOT NULL,
	key         TEXT NOT NULL,
	data        BLOB
) WITHOUT ROWID;
INSERT INTO timers_v5 (id, seq, at, kind, priority, run_id, step_id, pause_id, attempt, job_id, generation, function_id, key, data)
	SELECT id, seq, at, kind, priority, run_id, step_id, pause_id, attempt, job_id, generation, function_id, key, data FROM timers;
DROP TABLE timers;
ALTER TABLE timers_v5 RENAME TO timers;
`,
	// 6: the runs a run invoked, for ListRuns' ParentRunID (a run's page
	// lists them): partial, so that only invoked runs write it.
	`
CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_run_id, seq) WHERE parent_run_id != '';
`,
}

// SchemaVersion is the schema version this build writes (PRAGMA user_version):
// the number of migrations. Open migrates a file of an older version and
// refuses one of a newer version with a *VersionError.
const SchemaVersion = 6

// ErrVersion is matched (errors.Is) by every *VersionError.
var ErrVersion = errors.New("inngest: sqlitestore: unsupported database version")

// VersionError says that a database file (or a run in it) was written by a
// newer build of the store than this one, which cannot read it: open it
// with that build, or a newer one.
type VersionError struct {
	// Path is the database file.
	Path string
	// What is what has the version: "schema" or "run <id> encoding".
	What string
	// Found is the version in the file; Supported the newest this build reads.
	Found, Supported int
}

// Error implements error.
func (e *VersionError) Error() string {
	return fmt.Sprintf("inngest: sqlitestore: %s: %s version %d is newer than this build supports (%d): "+
		"the file was written by a newer version; open it with that version", e.Path, e.What, e.Found, e.Supported)
}

// Is makes errors.Is(err, ErrVersion) true.
func (e *VersionError) Is(target error) bool { return target == ErrVersion }

// schemaVersion reads PRAGMA user_version.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate brings the database to SchemaVersion in one transaction.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return &VersionError{Path: path, What: "schema", Found: v, Supported: len(migrations)}
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if v < len(migrations) {
		// PRAGMA takes no bound parameters; the value is an integer we own.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return err
		}
	}
	return tx.Commit()
}
