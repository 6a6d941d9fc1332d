// Package sqlitestore is a durable enginestore.Store kept in one SQLite file, using
// the pure-Go driver modernc.org/sqlite (no cgo).
//
// Open a store on a file, or OpenDir on a data directory (the file is
// <dir>/engine.db), and hand it to the engine:
//
//	st, err := sqlitestore.OpenDir(dataDir)
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	eng, err := engine.New(engine.Options{Store: st})
//
// A --data-dir flag of a dev server is therefore one line: use OpenDir when
// the flag is set, leave Options.Store nil (an in-memory store) otherwise. Close
// the engine before the store.
//
// # Durability
//
// Every Store method is one SQLite transaction, committed before the method
// returns. The store is an enginestore.TxStore: the engine runs each of its steps
// that writes several records (accepting an event, handling a call's result,
// firing a timer) through Store.Tx, one transaction, so a crash never leaves a
// step half stored; nor does a failed statement: after one, no statement of
// the transaction runs and it rolls back. The database runs in WAL mode with synchronous=NORMAL by default: a
// committed transaction is in the write-ahead log (at least in the operating
// system's page cache) when the method returns, so it survives the process
// being killed at any point, SIGKILL included. Only an operating-system crash
// or power loss may lose the last transactions (never corrupting the file).
// Set Options.FullSync to fsync the log on every commit and survive those too,
// at the cost of one disk flush per write.
//
// # Semantics
//
// The store behaves exactly like memstore.Store, which the conformance
// tests of this package check side by side: the same dedupe of events, the
// same orders (apps and runs in creation order, pauses by ID), the same index
// of runs by triggering event (built when a run is first saved), copies in and
// out. A run is stored as a header (every field but its memo, step records
// and history, in a binary encoding) in its runs row and one run_items row
// per memoized result, step record and history item. Every field is kept
// exactly (raw JSON byte for byte, fields tagged json:"-", times with their
// zone offset), except that an empty memo, step list or history comes back
// nil. Times in the other tables come back in UTC.
//
// SaveRun writes the header and only the rows that changed since the run
// was last saved: appending a step to a run writes about the same bytes at
// 10 steps as at 1,000. The store remembers what it wrote for up to 1,024
// runs (32 MiB): Run decodes those from memory, and a run it does not
// remember is compared against its rows. This relies on one store writing
// the file (see the lock below) and on raw JSON values never being edited in
// place, as memstore.Store does; a run passed to SaveRun or returned by
// Run is otherwise the caller's to edit.
//
// The schema is versioned with PRAGMA user_version and each stored run
// records its encoding (runs.format: 1 is gob of the whole run, written
// before schema version 3, still read, and rewritten in format 2 when the
// run is saved again); Open applies the missing migrations to an older file
// and refuses a file (or reading a run) written by a newer build with a
// *VersionError (errors.Is ErrVersion).
//
// A file is used by one engine at a time: Open takes an exclusive lock on
// <file>.lock (flock, released when the store is closed or the process dies)
// and a second Open of the same file fails with ErrLocked. Two engines on one
// file would both fire its timers. Options.ReadOnly opens a file without the
// lock, to inspect it while an engine runs.
package sqlitestore
