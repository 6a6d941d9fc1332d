package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// SaveTimer implements enginestore.Store. A replaced timer keeps its seq (its
// place among timers due at the same time).
func (s *queries) SaveTimer(ctx context.Context, t enginestore.TimerItem) error {
	return s.exec(ctx, `INSERT INTO timers (id, seq, at, kind, priority, run_id, step_id, pause_id, attempt, job_id, generation, function_id, key, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET at = excluded.at, kind = excluded.kind, priority = excluded.priority,
	run_id = excluded.run_id, step_id = excluded.step_id, pause_id = excluded.pause_id, attempt = excluded.attempt,
	job_id = excluded.job_id, generation = excluded.generation, function_id = excluded.function_id, key = excluded.key,
	data = excluded.data`,
		t.ID, s.timerSeq.Add(1), encodeTime(t.At), string(t.Kind), t.Priority, t.RunID, t.StepID, t.PauseID, t.Attempt, t.JobID,
		t.Generation, t.FunctionID, t.Key, []byte(t.Data))
}

// DeleteTimer implements enginestore.Store.
func (s *queries) DeleteTimer(ctx context.Context, id string) error {
	return s.exec(ctx, `DELETE FROM timers WHERE id = ?`, id)
}

// Timers implements enginestore.Store. Timers come by due time, then in the order
// they were first saved.
func (s *queries) Timers(ctx context.Context) ([]enginestore.TimerItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, kind, priority, run_id, step_id, pause_id, attempt, job_id, generation, function_id, key, data
FROM timers ORDER BY at, seq`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []enginestore.TimerItem{}
	for rows.Next() {
		var t enginestore.TimerItem
		var at sql.NullString
		var kind string
		var data []byte
		if err := rows.Scan(&t.ID, &at, &kind, &t.Priority, &t.RunID, &t.StepID, &t.PauseID, &t.Attempt, &t.JobID,
			&t.Generation, &t.FunctionID, &t.Key, &data); err != nil {
			return nil, wrap(err)
		}
		if data != nil {
			t.Data = data
		}
		t.Kind = enginestore.TimerKind(kind)
		if t.At, err = decodeTime(at); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err())
}
