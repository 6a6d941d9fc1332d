package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// SavePause implements engine.Store.
func (s *queries) SavePause(ctx context.Context, p engine.Pause) error {
	return s.exec(ctx, `INSERT INTO pauses (id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, run_id = excluded.run_id, step_id = excluded.step_id,
	event = excluded.event, cond = excluded.cond, correlation_id = excluded.correlation_id,
	expires = excluded.expires, timer_id = excluded.timer_id`,
		p.ID, string(p.Kind), p.RunID, p.StepID, p.Event, p.If, p.CorrelationID, encodeTime(p.Expires), p.TimerID)
}

// DeletePause implements engine.Store: of concurrent callers deleting one
// pause, exactly one gets true.
func (s *queries) DeletePause(ctx context.Context, id string) (bool, error) {
	return s.execOne(ctx, `DELETE FROM pauses WHERE id = ?`, id)
}

// PausesForEvent implements engine.Store; pauses come sorted by ID and the
// result is nil when there are none.
func (s *queries) PausesForEvent(ctx context.Context, name string) ([]engine.Pause, error) {
	return s.queryPauses(ctx, `SELECT id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id
FROM pauses WHERE event = ? ORDER BY id`, name)
}

// PausesForRun implements engine.Store; pauses come sorted by ID and the
// result is nil when there are none.
func (s *queries) PausesForRun(ctx context.Context, runID string) ([]engine.Pause, error) {
	return s.queryPauses(ctx, `SELECT id, kind, run_id, step_id, event, cond, correlation_id, expires, timer_id
FROM pauses WHERE run_id = ? ORDER BY id`, runID)
}

func (s *queries) queryPauses(ctx context.Context, query string, arg string) ([]engine.Pause, error) {
	rows, err := s.r.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []engine.Pause
	for rows.Next() {
		var p engine.Pause
		var kind string
		var expires sql.NullString
		if err := rows.Scan(&p.ID, &kind, &p.RunID, &p.StepID, &p.Event, &p.If, &p.CorrelationID, &expires, &p.TimerID); err != nil {
			return nil, wrap(err)
		}
		p.Kind = engine.PauseKind(kind)
		if p.Expires, err = decodeTime(expires); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, wrap(rows.Err())
}
