package sqlitestore

import (
	"context"
	"database/sql"
	"sync/atomic"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// SavePause implements enginestore.Store.
func (s *queries) SavePause(ctx context.Context, p enginestore.Pause) error {
	return s.tx(ctx, func(q querier) error {
		s.pauses.saving()
		_, err := q.ExecContext(ctx, `INSERT INTO pauses (id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, run_id = excluded.run_id, step_id = excluded.step_id,
	event = excluded.event, cond = excluded.cond, correlation_id = excluded.correlation_id,
	expires = excluded.expires, timer_id = excluded.timer_id`,
			p.ID, string(p.Kind), p.RunID, p.StepID, p.Event, p.If, p.CorrelationID, encodeTime(p.Expires), p.TimerID)
		return err
	})
}

// DeletePause implements enginestore.Store: of concurrent callers deleting one
// pause, exactly one gets true. A deletion that leaves the table empty lets
// the lookups skip their query (see pauseGate) once it commits.
func (s *queries) DeletePause(ctx context.Context, id string) (bool, error) {
	deleted := false
	err := s.tx(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM pauses WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n != 1 {
			return err
		}
		deleted = true
		tc, ok := q.(*txConn)
		if !ok || s.pauses == nil {
			return nil
		}
		mark := s.pauses.mark()
		var left bool
		if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pauses)`).Scan(&left); err != nil {
			return err
		}
		if !left {
			tc.afterCommit(func() { s.pauses.emptied(mark) })
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return deleted, nil
}

// PausesForEvent implements enginestore.Store; pauses come sorted by ID and the
// result is nil when there are none.
func (s *queries) PausesForEvent(ctx context.Context, name string) ([]enginestore.Pause, error) {
	if s.pauses.none() {
		return nil, nil
	}
	return s.queryPauses(ctx, `SELECT id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id
FROM pauses WHERE event = ? ORDER BY id`, name)
}

// PausesForRun implements enginestore.Store; pauses come sorted by ID and the
// result is nil when there are none.
func (s *queries) PausesForRun(ctx context.Context, runID string) ([]enginestore.Pause, error) {
	if s.pauses.none() {
		return nil, nil
	}
	return s.queryPauses(ctx, `SELECT id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id
FROM pauses WHERE run_id = ? ORDER BY id`, runID)
}

func (s *queries) queryPauses(ctx context.Context, query string, arg string) ([]enginestore.Pause, error) {
	rows, err := s.r.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []enginestore.Pause
	for rows.Next() {
		var p enginestore.Pause
		var kind string
		var expires sql.NullString
		if err := rows.Scan(&p.ID, &kind, &p.RunID, &p.StepID, &p.Event, &p.If, &p.CorrelationID, &expires, &p.TimerID); err != nil {
			return nil, wrap(err)
		}
		p.Kind = enginestore.PauseKind(kind)
		if p.Expires, err = decodeTime(expires); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, wrap(rows.Err())
}

// pauseGate knows when the pauses table is empty, so that looking up the
// pauses of an event or a run (the engine does at every run's end) needs no
// query in a store without waits. It changes only under the writer's lock:
// a save marks the table possibly non-empty before its INSERT runs, and a
// deletion that left the table empty marks it empty when its transaction
// commits, unless a save began since. It is nil for a read-only store
// (another process writes the file): lookups always query.
type pauseGate struct {
	saves int64       // saves begun; under the writer's lock
	empty atomic.Bool // no pause stored, committed or not
}

// newPauseGate starts from whether the table holds a pause.
func newPauseGate(ctx context.Context, q querier) (*pauseGate, error) {
	var any bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pauses)`).Scan(&any); err != nil {
		return nil, err
	}
	g := &pauseGate{}
	g.empty.Store(!any)
	return g, nil
}

// none reports whether lookups may answer "no pause" without a query.
func (g *pauseGate) none() bool { return g != nil && g.empty.Load() }

// saving is called, under the writer's lock, before a pause is written.
func (g *pauseGate) saving() {
	if g != nil {
		g.saves++
		g.empty.Store(false)
	}
}

// mark returns the saves begun so far (under the writer's lock).
func (g *pauseGate) mark() int64 { return g.saves }

// emptied is called, under the writer's lock, when a transaction that found
// the table empty at mark has committed.
func (g *pauseGate) emptied(mark int64) {
	if g.saves == mark {
		g.empty.Store(true)
	}
}
