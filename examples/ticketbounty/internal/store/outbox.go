package store

import (
	"context"
	"database/sql"
	"time"
)

// Outbox channels.
const (
	ChannelEmail   = "email"
	ChannelDiscord = "discord"
)

// Message is a row of the outbox: one e-mail or Discord message sent.
type Message struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	Recipient string    `json:"recipient"`
	UserID    string    `json:"user_id,omitempty"`
	Template  string    `json:"template,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Body      string    `json:"body"`
	Ref       string    `json:"ref,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AddMessage appends a message to the outbox and returns it with its id.
func (s *Store) AddMessage(ctx context.Context, m Message) (Message, error) {
	m.ID = newID("msg")
	ts := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO outbox (id, channel, recipient, user_id, template, subject, body, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Channel, m.Recipient, m.UserID, m.Template, m.Subject, m.Body, m.Ref, ts)
	m.CreatedAt = parseTime(sql.NullString{String: ts, Valid: true})
	return m, err
}

// MessageFilter selects outbox rows; empty fields match everything.
type MessageFilter struct {
	Channel  string
	UserID   string
	Template string
	Ref      string
}

// Messages lists outbox rows matching f, oldest first.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, channel, recipient, user_id, template, subject, body, ref, created_at FROM outbox
		WHERE (?1 = '' OR channel = ?1) AND (?2 = '' OR user_id = ?2) AND (?3 = '' OR template = ?3) AND (?4 = '' OR ref = ?4)
		ORDER BY seq`, f.Channel, f.UserID, f.Template, f.Ref)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var created sql.NullString
		if err := rows.Scan(&m.ID, &m.Channel, &m.Recipient, &m.UserID, &m.Template, &m.Subject, &m.Body, &m.Ref, &created); err != nil {
			return nil, err
		}
		m.CreatedAt = parseTime(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Failure is a row of failures.
type Failure struct {
	RunID      string `json:"run_id"`
	FunctionID string `json:"function_id"`
	EventName  string `json:"event_name"`
	Error      string `json:"error"`
}

// RecordFailure stores a failed run once (a repeated call is a no-op).
func (s *Store) RecordFailure(ctx context.Context, f Failure) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO failures (run_id, function_id, event_name, error, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(run_id) DO NOTHING`,
		f.RunID, f.FunctionID, f.EventName, f.Error, now())
	return err
}

// Failures lists recorded failures.
func (s *Store) Failures(ctx context.Context) ([]Failure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, function_id, event_name, error FROM failures ORDER BY created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.RunID, &f.FunctionID, &f.EventName, &f.Error); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
