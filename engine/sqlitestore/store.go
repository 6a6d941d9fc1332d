package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// Registers the "sqlite" database/sql driver (pure Go).
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	_ "modernc.org/sqlite"
)

// FileName is the database file OpenDir opens inside its directory.
const FileName = "engine.db"

// DefaultBusyTimeout is how long a statement waits for a lock held by another
// connection (another process inspecting the file, a checkpoint) by default.
const DefaultBusyTimeout = 5 * time.Second

// maxReaders bounds the read-only connections.
const maxReaders = 4

// Options configure a Store. The zero value works.
type Options struct {
	// FullSync sets synchronous=FULL: every commit is flushed to disk, so
	// writes also survive an operating-system crash or power loss. Default:
	// synchronous=NORMAL, which survives the process being killed (see the
	// package documentation) and costs no flush per write.
	FullSync bool
	// BusyTimeout is how long a statement waits for a database lock before
	// failing. Default DefaultBusyTimeout.
	BusyTimeout time.Duration
	// ReadOnly opens the file for reading only, without taking the file's
	// engine lock, to inspect a file an engine is using (every write then
	// fails). The file must exist and be at SchemaVersion. Default: read
	// and write, holding the lock (see Open).
	ReadOnly bool
}

// Store is an enginestore.Store kept in a SQLite file. It is safe for concurrent
// use. Create it with Open, OpenDir or OpenOptions; call Close when done.
type Store struct {
	queries
	// lock is the engine lock on the lock file (nil when ReadOnly).
	lock *os.File
	// db is the pool of the single writing connection: SQLite allows one
	// writer at a time, and funnelling writes through one connection means
	// they never wait on each other's locks. w holds that connection from
	// Open to Close.
	db *sql.DB
	w  *writer
	// rdb serves reads (through rp, its prepared statements); in WAL mode
	// readers never block the writer.
	rdb *sql.DB
	rp  *pool
	// n counts statements (for tests).
	n counters
	// seq backs queries.timerSeq.
	seq atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

var _ enginestore.TxStore = (*Store)(nil)

// querier is what a *sql.DB and a *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements the enginestore.Store methods over a writer and a reader:
// the two connection pools of a Store, or one transaction (see Tx).
type queries struct {
	// path is the database file (for error messages).
	path string
	w, r querier
	// tx runs fn in a write transaction (inside Tx: in Tx's transaction).
	tx func(ctx context.Context, fn func(q querier) error) error
	// cache knows what the run_items rows of the runs saved hold (nil when
	// read-only); pend is the cache's view of Tx's transaction (nil outside
	// Tx: each SaveRun is its own transaction).
	cache *runCache
	pend  *pending
	// timerSeq numbers the timers saved (timers.seq), from the largest
	// stored at Open: this Store is the file's only writer.
	timerSeq *atomic.Int64
	// pauses lets pause lookups skip their query while there is no pause
	// (nil when read-only).
	pauses *pauseGate
}

// txStore is the enginestore.Store handed to a Tx callback.
type txStore struct{ queries }

// Open opens (creating if needed) the database file at path with the default
// Options.
func Open(path string) (*Store, error) {
	return OpenOptions(path, Options{})
}

// OpenDir opens <dir>/engine.db with the default Options, creating dir (and
// its parents) first. It is what a --data-dir flag should call.
func OpenDir(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("inngest: sqlitestore: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: create data directory: %w", err)
	}
	return Open(filepath.Join(dir, FileName))
}

// LockSuffix is appended to the database path to name its lock file.
const LockSuffix = ".lock"

// ErrLocked is matched (errors.Is) by the error of opening a file that
// another Store (another engine, in this process or another one) has open.
var ErrLocked = errors.New("inngest: sqlitestore: database is in use by another engine")

// OpenOptions opens (creating if needed) the database file at path, applies
// the missing schema migrations and returns the store.
//
// One engine per file: unless opts.ReadOnly, the store holds an exclusive
// lock on <path>.lock (flock on Unix) until Close, and opening a file whose
// lock is still held after half a second fails with ErrLocked (the wait
// covers a lock briefly kept by a child process the program was starting
// when the file's last store closed). Two engines on one file would both fire
// its timers and run its functions twice. A file written by a newer build is
// refused with a *VersionError.
func OpenOptions(path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("inngest: sqlitestore: invalid database path %q: want a plain file path", path)
	}
	if opts.ReadOnly {
		return openReadOnly(path, opts)
	}
	lock, err := lockFile(path + LockSuffix)
	if err != nil {
		return nil, err
	}
	s, err := openFiles(path, opts)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// openFiles opens the writer and the readers of a locked file and migrates it.
func openFiles(path string, opts Options) (*Store, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	syncMode := "NORMAL"
	if opts.FullSync {
		syncMode = "FULL"
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", syncMode)
	w, err := sql.Open("sqlite", path+"?"+q.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), w, path); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("inngest: sqlitestore: %s: %w", path, err)
	}
	rq := url.Values{}
	rq.Set("_busy_timeout", q.Get("_busy_timeout"))
	rq.Set("_query_only", "1")
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxReaders)
	r.SetConnMaxIdleTime(0)
	return newStore(path, w, r, newRunCache())
}

// newStore takes the writing connection of w; its statements, and the
// readers', are prepared on first use. cache is nil for a read-only store.
func newStore(path string, w, r *sql.DB, cache *runCache) (*Store, error) {
	s := &Store{db: w, rdb: r}
	wr, err := newWriter(context.Background(), w, &s.n)
	if err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	s.w, s.rp = wr, newPool(r, &s.n)
	var seq int64
	if err := wr.conn.QueryRowContext(context.Background(), `SELECT coalesce(max(seq), 0) FROM timers`).Scan(&seq); err != nil {
		_ = wr.close()
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	s.seq.Store(seq)
	var pauses *pauseGate
	if cache != nil { // read-write
		if pauses, err = newPauseGate(context.Background(), wr.conn); err != nil {
			_ = wr.close()
			_ = r.Close()
			_ = w.Close()
			return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
		}
	}
	s.queries = queries{path: path, w: lockedWriter{wr}, r: s.rp, tx: func(ctx context.Context, fn func(q querier) error) error {
		return wrap(wr.tx(ctx, fn))
	}, cache: cache, timerSeq: &s.seq, pauses: pauses}
	return s, nil
}

// openReadOnly opens an existing file for reading, without the lock.
func openReadOnly(path string, opts Options) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open %s read-only: %w", path, err)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10))
	q.Set("_query_only", "1")
	r, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxReaders)
	r.SetConnMaxIdleTime(0)
	v, err := schemaVersion(context.Background(), r)
	if err == nil && v != SchemaVersion {
		if v > SchemaVersion {
			err = &VersionError{Path: path, What: "schema", Found: v, Supported: SchemaVersion}
		} else {
			err = fmt.Errorf("inngest: sqlitestore: %s: schema version %d needs migrating to %d: open it read-write once", path, v, SchemaVersion)
		}
	}
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	// Writes go through a connection of their own that fails them all.
	w, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("inngest: sqlitestore: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	return newStore(path, w, r, nil)
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database. Close the engine first. It is safe to call twice.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		errs := []error{s.w.close(), s.rp.stmts.close(), s.rdb.Close(), s.db.Close()}
		if s.lock != nil {
			errs = append(errs, s.lock.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Tx implements enginestore.TxStore: fn's reads and writes all go through one SQL
// transaction (BEGIN IMMEDIATE) on the writing connection, so fn sees its own
// writes, and the transaction commits when fn returns nil; it rolls back when
// fn returns an error or panics, and when one of its statements failed even
// if fn went on and returned nil (Tx then returns that statement's error;
// the statements after it fail). ctx gates the start only: a transaction
// that began runs to its commit or rollback. The Store handed to fn is valid
// only until Tx returns (its calls fail after). fn must use it, never s: s
// would wait for the connection the transaction holds.
func (s *Store) Tx(ctx context.Context, fn func(enginestore.Store) error) error {
	p := s.cache.begin()
	committed := false
	defer func() { p.finish(committed) }() // also when fn panics
	var fnErr error
	err := s.w.tx(ctx, func(q querier) error {
		ts := &txStore{queries{path: s.path, w: q, r: q, tx: func(_ context.Context, fn func(q querier) error) error {
			return wrap(fn(q))
		}, cache: s.cache, pend: p, timerSeq: &s.seq, pauses: s.pauses}}
		fnErr = fn(ts)
		return fnErr
	})
	committed = err == nil
	if err != nil && err == fnErr {
		return err
	}
	return wrap(err)
}

// exec runs one statement in its own (implicit) transaction.
func (s *queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.w.ExecContext(ctx, query, args...)
	return wrap(err)
}

// execOne runs one statement and reports whether it changed exactly one row.
func (s *queries) execOne(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return false, wrap(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err)
	}
	return n == 1, nil
}

// wrap prefixes driver errors.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("inngest: sqlitestore: %w", err)
}
