package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// SaveRun implements engine.Store. Like MemoryStore, the run's triggering
// event IDs are indexed when the run is first saved; a run keeps its place in
// Runs when it is replaced.
func (s *queries) SaveRun(ctx context.Context, run *engine.RunState) error {
	state, err := encodeRun(run)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET app_id = ?, function_id = ?, status = ?, started_at = ?, ended_at = ?,
	parent_run_id = ?, state = ?, format = ? WHERE id = ?`,
			run.AppID, run.FunctionID, string(run.Status), encodeTime(run.StartedAt), encodeTime(run.EndedAt),
			run.ParentRunID, state, runFormat, run.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, app_id, function_id, status, started_at, ended_at, parent_run_id, state, format)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			run.ID, run.AppID, run.FunctionID, string(run.Status), encodeTime(run.StartedAt), encodeTime(run.EndedAt),
			run.ParentRunID, state, runFormat); err != nil {
			return err
		}
		for _, id := range run.EventIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_events (event_id, run_id) VALUES (?, ?)`, id, run.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Run implements engine.Store.
func (s *queries) Run(ctx context.Context, id string) (*engine.RunState, error) {
	var state []byte
	var format int
	err := s.r.QueryRowContext(ctx, `SELECT state, format FROM runs WHERE id = ?`, id).Scan(&state, &format)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, engine.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err)
	}
	return decodeRun(s.path, id, format, state)
}

// Runs implements engine.Store.
func (s *queries) Runs(ctx context.Context) ([]*engine.RunState, error) {
	return s.queryRuns(ctx, `SELECT id, format, state FROM runs ORDER BY seq`)
}

// RunsForEvent implements engine.Store.
func (s *queries) RunsForEvent(ctx context.Context, eventID string) ([]*engine.RunState, error) {
	return s.queryRuns(ctx, `SELECT r.id, r.format, r.state FROM run_events e JOIN runs r ON r.id = e.run_id
WHERE e.event_id = ? ORDER BY e.seq`, eventID)
}

func (s *queries) queryRuns(ctx context.Context, query string, args ...any) ([]*engine.RunState, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []*engine.RunState{}
	for rows.Next() {
		var id string
		var format int
		var state []byte
		if err := rows.Scan(&id, &format, &state); err != nil {
			return nil, wrap(err)
		}
		r, err := decodeRun(s.path, id, format, state)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}
