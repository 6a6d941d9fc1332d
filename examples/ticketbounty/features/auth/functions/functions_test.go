package functions_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/authevents"
	authfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

func TestSignUpSendsWelcomeEmail(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	u, eventID := h.SignUp(t, "alice@example.com", "Alice")
	run := h.Env.WaitForFunction(t, "send-welcome-email")
	require.Contains(t, run.EventIDs, eventID)
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireStepRan(t, run, "request-welcome-email")
	m := h.Messages(t, store.MessageFilter{Template: "welcome", UserID: u.ID}, 1)
	require.Equal(t, "alice@example.com", m[0].Recipient)
	require.Contains(t, m[0].Subject, "Alice")
}

func TestPasswordResetEmail(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	u, _ := h.SignUp(t, "alice@example.com", "Alice")

	var unknown struct {
		EventIDs []string `json:"event_ids"`
	}
	h.Post(t, "/api/auth/password-reset", map[string]string{"email": "nobody@example.com"}, nil, &unknown)
	require.Empty(t, unknown.EventIDs, "no event (and the same reply) for an unknown address")

	var known struct {
		EventIDs []string `json:"event_ids"`
	}
	h.Post(t, "/api/auth/password-reset", map[string]string{"email": "ALICE@example.com"}, nil, &known)
	require.Len(t, known.EventIDs, 1)
	inngesttest.RequireCompleted(t, h.Env.WaitForRun(t, known.EventIDs[0]))
	m := h.Messages(t, store.MessageFilter{Template: "password-reset", UserID: u.ID}, 1)
	require.Contains(t, m[0].Body, "/reset?token=rst_")
}

func TestOnboardingVerifiedInTime(t *testing.T) {
	t.Parallel()
	// A manual clock: the 7-day wait must not time out before the test
	// sends the verification.
	h := apptest.Start(t, inngesttest.Options{ManualClock: true}, app.Config{})
	u, _ := h.SignUp(t, "alice@example.com", "Alice")
	h.Env.WaitingFor(t, authevents.EmailVerified.EventName())
	h.Env.Advance(6 * 24 * time.Hour) // six days later, still in time
	h.Post(t, "/api/auth/verify-email", map[string]string{"user_id": u.ID}, nil, nil)
	run := h.Env.WaitForFunction(t, "onboarding")
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, authfns.OnboardingResult{UserID: u.ID, Outcome: store.OnboardingVerified}, inngesttest.DecodeOutput[authfns.OnboardingResult](t, run))
	got, err := h.App.Store.User(context.Background(), u.ID)
	require.NoError(t, err)
	require.Equal(t, store.OnboardingVerified, got.Onboarding)
	require.False(t, got.VerifiedAt.IsZero())
	ms, err := h.App.Store.Messages(context.Background(), store.MessageFilter{Template: "verify-reminder"})
	require.NoError(t, err)
	require.Empty(t, ms)
}

func TestOnboardingTimesOutAndReminds(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{}) // auto-advancing clock
	start := h.Env.Now()
	u, _ := h.SignUp(t, "bob@example.com", "Bob")
	run := h.Env.WaitForFunction(t, "onboarding")
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, store.OnboardingReminded, inngesttest.DecodeOutput[authfns.OnboardingResult](t, run).Outcome)
	require.GreaterOrEqual(t, h.Env.Now().Sub(start), 7*24*time.Hour, "the wait lasted the full week")
	inngesttest.RequireStepRan(t, run, "send-verification-reminder")
	m := h.Messages(t, store.MessageFilter{Template: "verify-reminder", UserID: u.ID}, 1)
	require.Equal(t, "bob@example.com", m[0].Recipient)
}

func TestVerificationOfAnotherUserDoesNotResumeTheWait(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{ManualClock: true}, app.Config{})
	bob, _ := h.SignUp(t, "bob@example.com", "Bob")
	h.Env.WaitingFor(t, authevents.EmailVerified.EventName())
	carol, err := h.App.Store.CreateUser(context.Background(), "carol@example.com", "Carol", store.RoleCustomer)
	require.NoError(t, err)
	h.Post(t, "/api/auth/verify-email", map[string]string{"user_id": carol.ID}, nil, nil)
	h.Env.Advance(7*24*time.Hour + time.Second)
	run := h.Env.WaitForFunction(t, "onboarding")
	require.Equal(t, authfns.OnboardingResult{UserID: bob.ID, Outcome: store.OnboardingReminded}, inngesttest.DecodeOutput[authfns.OnboardingResult](t, run))
}
