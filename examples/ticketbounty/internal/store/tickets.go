package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Ticket statuses.
const (
	TicketOpen     = "open"
	TicketAssigned = "assigned"
	TicketRejected = "rejected"
	TicketPaid     = "paid"
)

// Ticket is a row of tickets: a customer's problem with a bounty for
// whoever solves it.
type Ticket struct {
	ID          string    `json:"id"`
	CustomerID  string    `json:"customer_id"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	BountyCents int64     `json:"bounty_cents"`
	Status      string    `json:"status"`
	AssigneeID  string    `json:"assignee_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Comment is a row of comments.
type Comment struct {
	ID       string `json:"id"`
	TicketID string `json:"ticket_id"`
	AuthorID string `json:"author_id"`
	Body     string `json:"body"`
}

// CreateTicket inserts an open ticket.
func (s *Store) CreateTicket(ctx context.Context, customerID, title, body string, bountyCents int64) (Ticket, error) {
	t := Ticket{ID: newID("tkt"), CustomerID: customerID, Title: title, Body: body, BountyCents: bountyCents, Status: TicketOpen}
	ts := now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO tickets (id, customer_id, title, body, bounty_cents, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.CustomerID, t.Title, t.Body, t.BountyCents, ts); err != nil {
		return Ticket{}, fmt.Errorf("ticketbounty: create ticket: %w", err)
	}
	t.CreatedAt = parseTime(sql.NullString{String: ts, Valid: true})
	return t, nil
}

// Ticket returns the ticket with id.
func (s *Store) Ticket(ctx context.Context, id string) (Ticket, error) {
	var t Ticket
	var assignee, created sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, customer_id, title, body, bounty_cents, status, assignee_id, created_at FROM tickets WHERE id = ?`, id).
		Scan(&t.ID, &t.CustomerID, &t.Title, &t.Body, &t.BountyCents, &t.Status, &assignee, &created)
	if err != nil {
		return Ticket{}, notFound(err)
	}
	t.AssigneeID, t.CreatedAt = assignee.String, parseTime(created)
	return t, nil
}

// AssignTicket sets the ticket's assignee and status; assigning the same
// agent again is a no-op, so the step that calls it can be retried.
func (s *Store) AssignTicket(ctx context.Context, ticketID, agentID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tickets SET assignee_id = ?, status = ? WHERE id = ? AND status IN (?, ?)`,
		agentID, TicketAssigned, ticketID, TicketOpen, TicketAssigned)
	return err
}

// SetTicketStatus sets the ticket's status.
func (s *Store) SetTicketStatus(ctx context.Context, ticketID, status string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tickets SET status = ? WHERE id = ?`, status, ticketID)
	return err
}

// AddComment inserts a comment on a ticket.
func (s *Store) AddComment(ctx context.Context, ticketID, authorID, body string) (Comment, error) {
	c := Comment{ID: newID("cmt"), TicketID: ticketID, AuthorID: authorID, Body: body}
	_, err := s.db.ExecContext(ctx, `INSERT INTO comments (id, ticket_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.TicketID, c.AuthorID, c.Body, now())
	return c, err
}

// LeastBusyAgent returns the agent with the fewest assigned tickets (ties
// broken by sign-up order), or ErrNotFound when there are no agents.
func (s *Store) LeastBusyAgent(ctx context.Context) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `
		SELECT `+userCols+` FROM users u WHERE role = ?
		ORDER BY (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status = ?), created_at, id
		LIMIT 1`, RoleAgent, TicketAssigned))
}

// Counts are the figures of the admin digest.
type Counts struct {
	Users        int   `json:"users"`
	OpenTickets  int   `json:"open_tickets"`
	Assigned     int   `json:"assigned_tickets"`
	RevenueCents int64 `json:"revenue_cents"`
}

// CountUsers counts users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CountTickets counts tickets with status.
func (s *Store) CountTickets(ctx context.Context, status string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE status = ?`, status).Scan(&n)
	return n, err
}

// Revenue sums every charge.
func (s *Store) Revenue(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_cents), 0) FROM charges`).Scan(&n)
	return n, err
}
