package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles of users.
const (
	RoleCustomer = "customer"
	RoleAgent    = "agent"
	RoleAdmin    = "admin"
)

// Onboarding states.
const (
	OnboardingPending  = "pending"
	OnboardingVerified = "verified"
	OnboardingReminded = "reminded"
)

// ErrEmailTaken is returned by CreateUser for an e-mail already registered.
var ErrEmailTaken = errors.New("ticketbounty: e-mail already registered")

// User is a row of users.
type User struct {
	ID         string    `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	Onboarding string    `json:"onboarding"`
	CreatedAt  time.Time `json:"created_at"`
}

// CreateUser inserts a user with role (RoleCustomer when empty).
func (s *Store) CreateUser(ctx context.Context, email, name, role string) (User, error) {
	if role == "" {
		role = RoleCustomer
	}
	u := User{ID: newID("usr"), Email: strings.ToLower(strings.TrimSpace(email)), Name: name, Role: role, Onboarding: OnboardingPending}
	ts := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO users (id, email, name, role, created_at) VALUES (?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, u.Role, ts)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return User{}, ErrEmailTaken
		}
		return User{}, fmt.Errorf("ticketbounty: create user: %w", err)
	}
	u.CreatedAt = parseTime(sql.NullString{String: ts, Valid: true})
	return u, nil
}

const userCols = `id, email, name, role, verified_at, onboarding, created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var verified, created sql.NullString
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &verified, &u.Onboarding, &created); err != nil {
		return User{}, notFound(err)
	}
	u.VerifiedAt, u.CreatedAt = parseTime(verified), parseTime(created)
	return u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// UserByEmail returns the user with this e-mail address.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))))
}

// UsersByRole lists users with role, oldest first.
func (s *Store) UsersByRole(ctx context.Context, role string) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE role = ? ORDER BY created_at, id`, role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MarkVerified records that the user verified their e-mail address. It
// reports whether the user was not verified before.
func (s *Store) MarkVerified(ctx context.Context, userID string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET verified_at = ? WHERE id = ? AND verified_at IS NULL`, now(), userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		if _, err := s.User(ctx, userID); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}

// SetOnboarding records the outcome of the user's onboarding workflow.
func (s *Store) SetOnboarding(ctx context.Context, userID, state string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET onboarding = ? WHERE id = ?`, state, userID)
	return err
}

// CreatePasswordReset stores a reset token for the user and returns it.
func (s *Store) CreatePasswordReset(ctx context.Context, userID string) (string, error) {
	token := newID("rst")
	_, err := s.db.ExecContext(ctx, `INSERT INTO password_resets (token, user_id, created_at) VALUES (?, ?, ?)`, token, userID, now())
	return token, err
}
