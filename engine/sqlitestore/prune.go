package sqlitestore

import (
	"context"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

var _ enginestore.Pruner = (*Store)(nil)

// PruneRuns implements enginestore.Pruner: finished runs that ended before
// endedBefore are deleted with their event index and their run_items rows.
func (s *queries) PruneRuns(ctx context.Context, endedBefore time.Time) (int, error) {
	n := 0
	p := s.pend
	if p == nil {
		p = s.cache.begin()
	}
	err := s.tx(ctx, func(tx querier) error {
		const done = `status IN ('Completed', 'Failed', 'Cancelled') AND ended_at IS NOT NULL AND ended_at < ?`
		at := encodeTime(endedBefore)
		// The run cache must not claim rows of a deleted run; it keeps the
		// others.
		ids, err := prunedRuns(ctx, tx, `SELECT id FROM runs WHERE `+done, at)
		if err != nil || len(ids) == 0 {
			return err
		}
		p.forget(ids)
		if _, err := tx.ExecContext(ctx, `DELETE FROM run_events WHERE run_id IN (SELECT id FROM runs WHERE `+done+`)`, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM run_items WHERE run_id IN (SELECT id FROM runs WHERE `+done+`)`, at); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE `+done, at)
		if err != nil {
			return err
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	if err != nil {
		return 0, wrap(err)
	}
	return n, nil
}

// prunedRuns returns the IDs of the runs query selects.
func prunedRuns(ctx context.Context, tx querier, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PruneEvents implements enginestore.Pruner.
func (s *queries) PruneEvents(ctx context.Context, receivedBefore time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM events WHERE received_at IS NOT NULL AND received_at < ?`, encodeTime(receivedBefore))
	if err != nil {
		return 0, wrap(err)
	}
	c, err := res.RowsAffected()
	return int(c), wrap(err)
}
