package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// SaveFlow implements enginestore.Store; a replaced record keeps its place.
func (s *queries) SaveFlow(ctx context.Context, f enginestore.FlowRecord) error {
	return s.exec(ctx, `INSERT INTO flows (function_id, kind, key, config, data, expires) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (function_id, kind, key) DO UPDATE SET config = excluded.config, data = excluded.data, expires = excluded.expires`,
		f.FunctionID, string(f.Kind), f.Key, f.Config, []byte(f.Data), encodeTime(f.Expires))
}

// DeleteFlow implements enginestore.Store.
func (s *queries) DeleteFlow(ctx context.Context, functionID string, kind enginestore.FlowKind, key string) error {
	return s.exec(ctx, `DELETE FROM flows WHERE function_id = ? AND kind = ? AND key = ?`, functionID, string(kind), key)
}

// PruneFlows implements enginestore.Store.
func (s *queries) PruneFlows(ctx context.Context, before time.Time) error {
	return s.exec(ctx, `DELETE FROM flows WHERE expires IS NOT NULL AND expires <= ?`, encodeTime(before))
}

// Flows implements enginestore.Store.
func (s *queries) Flows(ctx context.Context) ([]enginestore.FlowRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT function_id, kind, key, config, data, expires FROM flows ORDER BY seq`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []enginestore.FlowRecord{}
	for rows.Next() {
		var f enginestore.FlowRecord
		var kind string
		var data []byte
		var expires sql.NullString
		if err := rows.Scan(&f.FunctionID, &kind, &f.Key, &f.Config, &data, &expires); err != nil {
			return nil, wrap(err)
		}
		f.Kind = enginestore.FlowKind(kind)
		if data != nil {
			f.Data = data
		}
		if f.Expires, err = decodeTime(expires); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, wrap(rows.Err())
}
