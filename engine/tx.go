package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// txState collects what one locked section did while its enginestore.Store writes are
// inside a transaction: the first enginestore.Store error (which rolls the transaction
// back), how to undo the in-memory schedule changes made meanwhile, and the
// side effects (goroutines) to start only once the writes are committed.
type txState struct {
	err  error
	undo []func()
	post []func()
}

// atomicLocked runs fn, one locked section of the engine, as a single enginestore.Store
// transaction when the enginestore.Store is a enginestore.TxStore: all of the section's writes commit
// or none do. On rollback (fn's error, a enginestore.Store error inside the section, or a
// failed commit) the in-memory timer queue is restored to what it was, and the
// error is returned. Without a enginestore.TxStore, fn's writes are applied one by one as
// before and fn's own error is returned. Sections do not nest: an inner call
// runs inside the outer transaction.
func (e *Engine) atomicLocked(fn func() error) error {
	ts, ok := e.base.(enginestore.TxStore)
	if !ok || e.s.tx != nil {
		return fn()
	}
	st := &txState{}
	err := ts.Tx(e.ctx, func(s enginestore.Store) error {
		e.s.tx = st
		e.s.store = txTracker{Store: s, st: st}
		defer func() {
			e.s.tx = nil
			e.s.store = e.base
		}()
		if err := fn(); err != nil {
			return err
		}
		return st.err
	})
	if err != nil {
		for _, undo := range slices.Backward(st.undo) {
			undo()
		}
		e.log.Error("inngest: store transaction rolled back", "err", err)
		e.notifyLocked()
		return err
	}
	for _, f := range st.post {
		f()
	}
	return nil
}

// onRollbackLocked registers how to undo an in-memory change made inside a
// transaction (a no-op outside one).
func (e *Engine) onRollbackLocked(undo func()) {
	if e.s.tx != nil {
		e.s.tx.undo = append(e.s.tx.undo, undo)
	}
}

// afterCommitLocked runs f once the current transaction commits (at once
// outside a transaction); f is dropped on rollback.
func (e *Engine) afterCommitLocked(f func()) {
	if e.s.tx != nil {
		e.s.tx.post = append(e.s.tx.post, f)
		return
	}
	f()
}

// txTracker is the enginestore.Store the engine uses inside a transaction: the
// transaction-bound enginestore.Store, recording the first error so that the section
// rolls back even where the engine only logs a failure.
type txTracker struct {
	enginestore.Store
	st *txState
}

func (t txTracker) note(err error) error {
	if err != nil && !errors.Is(err, enginestore.ErrNotFound) && t.st.err == nil {
		t.st.err = err
	}
	return err
}

func (t txTracker) SaveApp(ctx context.Context, app enginestore.AppRecord) error {
	return t.note(t.Store.SaveApp(ctx, app))
}

func (t txTracker) Apps(ctx context.Context) ([]enginestore.AppRecord, error) {
	out, err := t.Store.Apps(ctx)
	return out, t.note(err)
}

func (t txTracker) SaveEvent(ctx context.Context, ev enginestore.EventRecord) (bool, error) {
	ok, err := t.Store.SaveEvent(ctx, ev)
	return ok, t.note(err)
}

func (t txTracker) Event(ctx context.Context, id string) (enginestore.EventRecord, error) {
	ev, err := t.Store.Event(ctx, id)
	return ev, t.note(err)
}

func (t txTracker) SaveRun(ctx context.Context, run *enginestore.RunRecord) error {
	return t.note(t.Store.SaveRun(ctx, run))
}

func (t txTracker) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	r, err := t.Store.Run(ctx, id)
	return r, t.note(err)
}

func (t txTracker) Runs(ctx context.Context) ([]*enginestore.RunRecord, error) {
	rs, err := t.Store.Runs(ctx)
	return rs, t.note(err)
}

func (t txTracker) RunsForEvent(ctx context.Context, eventID string) ([]*enginestore.RunRecord, error) {
	rs, err := t.Store.RunsForEvent(ctx, eventID)
	return rs, t.note(err)
}

func (t txTracker) SavePause(ctx context.Context, p enginestore.Pause) error {
	return t.note(t.Store.SavePause(ctx, p))
}

func (t txTracker) DeletePause(ctx context.Context, id string) (bool, error) {
	ok, err := t.Store.DeletePause(ctx, id)
	return ok, t.note(err)
}

func (t txTracker) PausesForEvent(ctx context.Context, name string) ([]enginestore.Pause, error) {
	ps, err := t.Store.PausesForEvent(ctx, name)
	return ps, t.note(err)
}

func (t txTracker) PausesForRun(ctx context.Context, runID string) ([]enginestore.Pause, error) {
	ps, err := t.Store.PausesForRun(ctx, runID)
	return ps, t.note(err)
}

func (t txTracker) SaveTimer(ctx context.Context, ti enginestore.TimerItem) error {
	return t.note(t.Store.SaveTimer(ctx, ti))
}

func (t txTracker) DeleteTimer(ctx context.Context, id string) error {
	return t.note(t.Store.DeleteTimer(ctx, id))
}

func (t txTracker) Timers(ctx context.Context) ([]enginestore.TimerItem, error) {
	ts, err := t.Store.Timers(ctx)
	return ts, t.note(err)
}

func (t txTracker) SaveFlow(ctx context.Context, f enginestore.FlowRecord) error {
	return t.note(t.Store.SaveFlow(ctx, f))
}

func (t txTracker) DeleteFlow(ctx context.Context, functionID string, kind enginestore.FlowKind, key string) error {
	return t.note(t.Store.DeleteFlow(ctx, functionID, kind, key))
}

func (t txTracker) Flows(ctx context.Context) ([]enginestore.FlowRecord, error) {
	fs, err := t.Store.Flows(ctx)
	return fs, t.note(err)
}

func (t txTracker) PruneFlows(ctx context.Context, before time.Time) error {
	return t.note(t.Store.PruneFlows(ctx, before))
}

// logStoreErr logs err, a failed enginestore.Store write after which the engine goes on
// (it used to drop these errors silently); enginestore.ErrNotFound is not logged. Inside
// a transaction the txTracker has also recorded it, so the section rolls
// back and is retried.
func (e *Engine) logStoreErr(op string, err error) {
	if err != nil && !errors.Is(err, enginestore.ErrNotFound) {
		e.log.Error("inngest: store "+op, "err", err)
	}
}
