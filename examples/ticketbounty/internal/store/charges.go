package store

import (
	"context"
	"database/sql"
	"time"
)

// Charge is a row of charges.
type Charge struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotency_key"`
	UserID         string    `json:"user_id"`
	TicketID       string    `json:"ticket_id"`
	AmountCents    int64     `json:"amount_cents"`
	Attempts       int       `json:"attempts"`
	CreatedAt      time.Time `json:"created_at"`
}

// ChargeOnce records a charge under its idempotency key. The first call
// inserts the row; any later call with the same key only counts the attempt
// and returns the original row, so a retried charge never charges twice.
// created reports whether this call made the row.
func (s *Store) ChargeOnce(ctx context.Context, key, userID, ticketID string, amountCents int64) (c Charge, created bool, err error) {
	id := newID("ch")
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO charges (id, idempotency_key, user_id, ticket_id, amount_cents, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(idempotency_key) DO UPDATE SET attempts = attempts + 1`,
		id, key, userID, ticketID, amountCents, now())
	if err != nil {
		return Charge{}, false, err
	}
	c, err = s.ChargeByKey(ctx, key)
	return c, err == nil && c.ID == id, err
}

// ChargeByKey returns the charge made with idempotency key.
func (s *Store) ChargeByKey(ctx context.Context, key string) (Charge, error) {
	var c Charge
	var created sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, idempotency_key, user_id, ticket_id, amount_cents, attempts, created_at FROM charges WHERE idempotency_key = ?`, key).
		Scan(&c.ID, &c.IdempotencyKey, &c.UserID, &c.TicketID, &c.AmountCents, &c.Attempts, &created)
	if err != nil {
		return Charge{}, notFound(err)
	}
	c.CreatedAt = parseTime(created)
	return c, nil
}

// CountCharges counts the charge rows of a ticket.
func (s *Store) CountCharges(ctx context.Context, ticketID string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM charges WHERE ticket_id = ?`, ticketID).Scan(&n)
	return n, err
}
