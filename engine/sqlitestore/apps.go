package sqlitestore

import (
	"context"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// SaveApp implements enginestore.Store. An app keeps its place in Apps when it is
// replaced.
func (s *queries) SaveApp(ctx context.Context, app enginestore.AppRecord) error {
	return s.exec(ctx, `INSERT INTO apps (name, id, url, checksum, sync_id, config) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET id = excluded.id, url = excluded.url, checksum = excluded.checksum,
	sync_id = excluded.sync_id, config = excluded.config`,
		app.Name, app.ID, app.URL, app.Checksum, app.SyncID, []byte(app.Config))
}

// Apps implements enginestore.Store.
func (s *queries) Apps(ctx context.Context) ([]enginestore.AppRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, id, url, checksum, sync_id, config FROM apps ORDER BY seq`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []enginestore.AppRecord{}
	for rows.Next() {
		var a enginestore.AppRecord
		var cfg []byte
		if err := rows.Scan(&a.Name, &a.ID, &a.URL, &a.Checksum, &a.SyncID, &cfg); err != nil {
			return nil, wrap(err)
		}
		a.Config = cfg
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}
