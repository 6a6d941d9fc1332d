package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// maxCachedStmts bounds each statement cache: the store's SQL is a fixed set
// of texts, so the bound is only a guard against a text built at run time;
// past it, statements are prepared for each call, as without a cache.
const maxCachedStmts = 128

// errTxDone is the error of using a transaction's Store after Tx returned.
var errTxDone = errors.New("inngest: sqlitestore: transaction has already ended")

// counters count what a Store runs (read by tests).
type counters struct {
	// writes counts the statements run on the writing connection, in or
	// out of a transaction, BEGIN, COMMIT and ROLLBACK excluded; reads those
	// run on the reader pool.
	writes, reads atomic.Int64
	// txs counts the transactions begun; prepares the statements prepared
	// (including those run unprepared past the cache bound).
	txs, prepares atomic.Int64
}

// stmtCache prepares each statement text once and keeps it. database/sql with
// modernc.org/sqlite otherwise parses a statement's SQL on every call.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// prep prepares a statement (on the writer's connection, or on the
	// reader pool, where database/sql prepares it again on each connection
	// that runs it).
	prep func(ctx context.Context, query string) (*sql.Stmt, error)
	n    *counters
	// closed is set by close: nothing is cached after.
	closed bool
}

// get returns the prepared statement of query, preparing it on first use; nil
// (and no error) when the cache is full.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	c.n.prepares.Add(1)
	if full {
		return nil, nil
	}
	// Prepared without holding mu, so that using a cached statement never
	// waits for another one's preparation (on the reader pool, preparing
	// waits for a free connection).
	st, err := c.prep(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok { // a concurrent first use prepared it too
		_ = st.Close()
		return old, nil
	}
	if c.closed || len(c.m) >= maxCachedStmts {
		_ = st.Close()
		return nil, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// pool is a querier over a connection pool (the readers) whose statements are
// prepared once.
type pool struct {
	db    *sql.DB
	stmts stmtCache
}

func newPool(db *sql.DB, n *counters) *pool {
	p := &pool{db: db}
	p.stmts.prep, p.stmts.n = db.PrepareContext, n
	return p
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.stmts.n.reads.Add(1)
	st, err := p.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.stmts.n.reads.Add(1)
	st, err := p.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.stmts.n.reads.Add(1)
	st, err := p.stmts.get(ctx, query)
	if err != nil || st == nil {
		// QueryRowContext reports a failed prepare through Scan.
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// writer is the store's single writing connection, held from Open to Close,
// with its statements prepared once. mu is held for a whole transaction, or
// for one statement outside a transaction, so that writes never interleave;
// transactions are driven with prepared BEGIN IMMEDIATE / COMMIT / ROLLBACK
// statements rather than database/sql's Tx, which costs a goroutine per
// transaction and a statement parse per BEGIN and COMMIT.
type writer struct {
	mu    sync.Mutex
	conn  *sql.Conn
	stmts stmtCache
	// closed is a closed statement: its QueryRowContext returns a *sql.Row
	// whose Scan fails, for a query that must not run.
	closed *sql.Stmt
}

func newWriter(ctx context.Context, db *sql.DB, n *counters) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{conn: conn}
	w.stmts.prep, w.stmts.n = conn.PrepareContext, n
	if w.closed, err = conn.PrepareContext(ctx, "SELECT 1"); err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = w.closed.Close()
	return w, nil
}

// close closes the statements and gives the connection back to its pool.
func (w *writer) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return errors.Join(w.stmts.close(), w.conn.Close())
}

// exec runs one statement on the connection; the caller holds mu.
func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	w.stmts.n.writes.Add(1)
	return w.run(ctx, query, args...)
}

// run is exec without counting.
func (w *writer) run(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return w.conn.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// tx runs fn in one write transaction (BEGIN IMMEDIATE), committing when fn
// returns nil and rolling back when it returns an error or panics. The context
// only gates the start: once begun, a transaction runs to its commit or
// rollback (its statements are short, and a lock wait is bounded by the busy
// timeout), so that the engine closing never cuts one in half.
func (w *writer) tx(ctx context.Context, fn func(q querier) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.run(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	w.stmts.n.txs.Add(1)
	q := &txConn{w: w}
	committed := false
	defer func() {
		q.done.Store(true)
		if !committed {
			// After a failed statement SQLite may have rolled back already;
			// then ROLLBACK fails, harmlessly.
			_, _ = w.run(ctx, "ROLLBACK")
		}
	}()
	if err := fn(q); err != nil {
		return err
	}
	if q.failed != nil {
		// fn went on after a failed statement: what ran before it may be
		// rolled back already, and the rest must not commit without it.
		return q.failed
	}
	if _, err := w.run(ctx, "COMMIT"); err != nil {
		return err
	}
	committed = true
	for _, f := range q.hooks {
		f() // still under mu
	}
	return nil
}

// single runs one statement outside any transaction (SQLite commits it on
// its own), holding mu.
func (w *writer) single(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exec(context.WithoutCancel(ctx), query, args...)
}

// lockedWriter is the querier of writes outside a transaction: each
// statement takes the writer's lock. It runs no queries (reads go to the
// reader pool).
type lockedWriter struct{ w *writer }

func (l lockedWriter) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return l.w.single(ctx, query, args...)
}

func (l lockedWriter) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errors.New("inngest: sqlitestore: query on the writer outside a transaction")
}

func (l lockedWriter) QueryRowContext(ctx context.Context, _ string, _ ...any) *sql.Row {
	return l.w.closed.QueryRowContext(ctx)
}

// txConn is the querier of one transaction: the writer's connection, whose
// lock the transaction holds. It fails once the transaction has ended, and
// after one of its statements failed.
type txConn struct {
	w    *writer
	done atomic.Bool
	// failed is the error of the first statement that failed. SQLite may
	// have rolled the whole transaction back on it (SQLITE_FULL,
	// SQLITE_IOERR, SQLITE_NOMEM, SQLITE_BUSY, a constraint resolved by
	// ROLLBACK); each later statement would then commit on its own. So no
	// later statement runs, and the transaction does not commit. (Only fn's
	// goroutine uses it.)
	failed error
	// hooks run once the transaction has committed, before the writer's
	// lock is released.
	hooks []func()
}

// errTxFailed wraps the error of a transaction's failed statement for the
// statements after it.
type errTxFailed struct{ err error }

func (e errTxFailed) Error() string {
	return "inngest: sqlitestore: an earlier statement of the transaction failed: " + e.err.Error()
}

func (e errTxFailed) Unwrap() error { return e.err }

// check returns why no statement may run, or nil.
func (t *txConn) check() error {
	if t.done.Load() {
		return errTxDone
	}
	if t.failed != nil {
		return errTxFailed{t.failed}
	}
	return nil
}

// note records err as the transaction's failure.
func (t *txConn) note(err error) error {
	if err != nil && t.failed == nil {
		t.failed = err
	}
	return err
}

// afterCommit registers f to run once the transaction commits (never if it
// rolls back).
func (t *txConn) afterCommit(f func()) { t.hooks = append(t.hooks, f) }

func (t *txConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	res, err := t.w.exec(context.WithoutCancel(ctx), query, args...)
	return res, t.note(err)
}

func (t *txConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	t.w.stmts.n.writes.Add(1)
	st, err := t.w.stmts.get(ctx, query)
	if err != nil {
		return nil, t.note(err)
	}
	if st == nil {
		rows, err := t.w.conn.QueryContext(ctx, query, args...)
		return rows, t.note(err)
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, t.note(err)
}

func (t *txConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if t.check() != nil {
		return t.w.closed.QueryRowContext(ctx)
	}
	ctx = context.WithoutCancel(ctx)
	t.w.stmts.n.writes.Add(1)
	st, err := t.w.stmts.get(ctx, query)
	if err != nil || st == nil {
		return t.w.conn.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
