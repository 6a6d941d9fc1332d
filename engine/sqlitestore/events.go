package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// SaveEvent implements engine.Store: the first event with an ID wins.
func (s *queries) SaveEvent(ctx context.Context, ev engine.EventRecord) (bool, error) {
	return s.execOne(ctx, `INSERT INTO events (id, name, raw, received_at, internal) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Name, []byte(ev.Raw), encodeTime(ev.ReceivedAt), ev.Internal)
}

// Event implements engine.Store.
func (s *queries) Event(ctx context.Context, id string) (engine.EventRecord, error) {
	ev := engine.EventRecord{ID: id}
	var raw []byte
	var at sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT name, raw, received_at, internal FROM events WHERE id = ?`, id).
		Scan(&ev.Name, &raw, &at, &ev.Internal)
	if errors.Is(err, sql.ErrNoRows) {
		return engine.EventRecord{}, engine.ErrNotFound
	}
	if err != nil {
		return engine.EventRecord{}, wrap(err)
	}
	ev.Raw = raw
	if ev.ReceivedAt, err = decodeTime(at); err != nil {
		return engine.EventRecord{}, err
	}
	return ev, nil
}

// RecentEvents implements engine.EventLister: up to limit events, latest
// received first, without internal ones.
func (s *queries) RecentEvents(ctx context.Context, limit int) ([]engine.EventRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, raw, received_at FROM events WHERE internal = 0
ORDER BY received_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []engine.EventRecord{}
	for rows.Next() {
		var ev engine.EventRecord
		var raw []byte
		var at sql.NullString
		if err := rows.Scan(&ev.ID, &ev.Name, &raw, &at); err != nil {
			return nil, wrap(err)
		}
		ev.Raw = raw
		if ev.ReceivedAt, err = decodeTime(at); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, wrap(rows.Err())
}
