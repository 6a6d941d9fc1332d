package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// SaveEvent implements enginestore.Store: the first event with an ID wins.
func (s *queries) SaveEvent(ctx context.Context, ev enginestore.EventRecord) (bool, error) {
	return s.execOne(ctx, `INSERT INTO events (id, name, raw, received_at, internal) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Name, []byte(ev.Raw), encodeTime(ev.ReceivedAt), ev.Internal)
}

// Event implements enginestore.Store.
func (s *queries) Event(ctx context.Context, id string) (enginestore.EventRecord, error) {
	ev := enginestore.EventRecord{ID: id}
	var raw []byte
	var at sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT name, raw, received_at, internal FROM events WHERE id = ?`, id).
		Scan(&ev.Name, &raw, &at, &ev.Internal)
	if errors.Is(err, sql.ErrNoRows) {
		return enginestore.EventRecord{}, enginestore.ErrNotFound
	}
	if err != nil {
		return enginestore.EventRecord{}, wrap(err)
	}
	ev.Raw = raw
	if ev.ReceivedAt, err = decodeTime(at); err != nil {
		return enginestore.EventRecord{}, err
	}
	return ev, nil
}

// RecentEvents implements enginestore.EventLister: up to limit events, latest
// received first, without internal ones.
func (s *queries) RecentEvents(ctx context.Context, limit int) ([]enginestore.EventRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, raw, received_at FROM events WHERE internal = 0
ORDER BY received_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []enginestore.EventRecord{}
	for rows.Next() {
		var ev enginestore.EventRecord
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
