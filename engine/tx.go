package engine

import (
	"errors"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// locked is the engine while its lock is held, bound to the Store the
// locked section reads and writes through: the configured Store (held), or
// inside a transaction the transaction's Store (atomicLocked hands such a
// value to the section). It is a value passed to every function that writes,
// so a transaction never swaps a field of the engine, and it exists only
// while e.mu is held.
type locked struct {
	*Engine
	// s is the engine's guarded state (Engine.state).
	s *guarded
	// store is the Store to use: Engine.base, or the transaction's.
	store enginestore.Store
	// tx is the transaction's bookkeeping; nil outside a transaction.
	tx *txState
}

// held returns the engine bound to its configured Store, outside any
// transaction. e.mu must be held while the value is used.
func (e *Engine) held() locked { return locked{Engine: e, s: &e.state, store: e.base} }

// lock takes e.mu and returns the engine bound to its configured Store;
// the caller ends the section with unlock.
func (e *Engine) lock() locked {
	e.mu.Lock()
	return e.held()
}

// unlock ends a section begun by lock.
func (e locked) unlock() { e.mu.Unlock() }

// txState collects what one locked section did while its Store writes are
// inside a transaction: the first Store error (which rolls the transaction
// back), how to undo the in-memory schedule changes made meanwhile, and the
// side effects (goroutines) to start only once the writes are committed.
type txState struct {
	err  error
	undo []func(locked)
	post []func(locked)
}

// atomicLocked runs fn, one locked section of the engine, as a single Store
// transaction when the Store is a TxStore: fn gets the engine bound to the
// transaction's Store, and all of the section's writes commit or none do. On
// rollback (fn's error, a Store error inside the section, or a failed
// commit) the in-memory timer queue is restored to what it was, and the
// error is returned. Without a TxStore, fn's writes are applied one by one
// and fn's own error is returned. Sections do not nest: an inner call runs
// inside the outer transaction.
func (e locked) atomicLocked(fn func(locked) error) error {
	ts, ok := e.base.(enginestore.TxStore)
	if !ok || e.tx != nil {
		return fn(e)
	}
	st := &txState{}
	err := ts.Tx(e.ctx, func(s enginestore.Store) error {
		if err := fn(locked{Engine: e.Engine, s: e.s, store: s, tx: st}); err != nil {
			return err
		}
		return st.err
	})
	base := e.held()
	if err != nil {
		for _, undo := range slices.Backward(st.undo) {
			undo(base)
		}
		e.log.Error("inngest: store transaction rolled back", "err", err)
		e.notifyLocked()
		return err
	}
	for _, f := range st.post {
		f(base)
	}
	return nil
}

// onRollbackLocked registers how to undo an in-memory change made inside a
// transaction (a no-op outside one). undo gets the engine bound to the
// configured Store.
func (e locked) onRollbackLocked(undo func(locked)) {
	if e.tx != nil {
		e.tx.undo = append(e.tx.undo, undo)
	}
}

// afterCommitLocked runs f once the current transaction commits (at once
// outside a transaction); f is dropped on rollback. f gets the engine bound
// to the configured Store, not to the finished transaction.
func (e locked) afterCommitLocked(f func(locked)) {
	if e.tx != nil {
		e.tx.post = append(e.tx.post, f)
		return
	}
	f(e)
}

// check records err, the error of a Store call made through e.store, so
// that a transaction rolls back even where the engine goes on after a
// failure (ErrNotFound is not a failure); it returns err.
func (e locked) check(err error) error {
	if err != nil && e.tx != nil && e.tx.err == nil && !errors.Is(err, enginestore.ErrNotFound) {
		e.tx.err = err
	}
	return err
}

// logStoreErr logs err, a failed Store write after which the engine goes on;
// ErrNotFound is not logged. Inside a transaction it is also recorded
// (check), so the section rolls back and is retried.
func (e locked) logStoreErr(op string, err error) {
	if e.check(err) != nil && !errors.Is(err, enginestore.ErrNotFound) {
		e.log.Error("inngest: store "+op, "err", err)
	}
}
