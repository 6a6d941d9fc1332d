package functions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/authevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Deps is what the auth functions need.
type Deps struct {
	Client *inngest.Client
	Store  *store.Store
	// VerificationTimeout is how long onboarding waits for the e-mail
	// verification before sending a reminder. Default: 7 days.
	VerificationTimeout time.Duration
}

// OnboardingResult is the onboarding function's output.
type OnboardingResult struct {
	UserID string `json:"user_id"`
	// Outcome is store.OnboardingVerified or store.OnboardingReminded.
	Outcome string `json:"outcome"`
}

// New defines the auth functions; each one's handler is a method below.
func New(d Deps) ([]inngest.ServableFunction, error) {
	if d.VerificationTimeout <= 0 {
		d.VerificationTimeout = 7 * 24 * time.Hour
	}
	welcome, err1 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "send-welcome-email"},
		inngest.OnEvent(authevents.UserSignedUp), d.sendWelcomeEmail)
	reset, err2 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "send-password-reset-email"},
		inngest.OnEvent(authevents.PasswordResetRequested), d.sendPasswordResetEmail)
	onboarding, err3 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "onboarding"},
		inngest.OnEvent(authevents.UserSignedUp), d.onboard)
	return []inngest.ServableFunction{welcome, reset, onboarding}, errors.Join(err1, err2, err3)
}

// sendWelcomeEmail is send-welcome-email, a background job: the sign-up
// route has returned long before the e-mail goes out.
func (d Deps) sendWelcomeEmail(ctx context.Context, in inngest.Input[authevents.UserSignedUpData]) (string, error) {
	u := in.Event.Data
	_, err := step.SendEvent(ctx, "request-welcome-email", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: u.UserID, To: u.Email, Template: "welcome",
		Subject: "Welcome to Ticket Bounty, " + u.Name + "!",
		Body:    "Post a ticket, set a bounty, and let the community solve it.",
	}))
	return "welcome e-mail requested", err
}

// sendPasswordResetEmail is send-password-reset-email: it e-mails the reset
// link the route stored.
func (d Deps) sendPasswordResetEmail(ctx context.Context, in inngest.Input[authevents.PasswordResetRequestedData]) (string, error) {
	r := in.Event.Data
	_, err := step.SendEvent(ctx, "request-reset-email", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: r.UserID, To: r.Email, Template: "password-reset",
		Subject: "Reset your password",
		Body:    "Someone asked to reset your password. If it was you, open " + r.ResetURL,
	}))
	return "password reset e-mail requested", err
}

// onboard is onboarding: it waits up to VerificationTimeout for the new
// user's e-mail verification and sends a reminder if none came.
func (d Deps) onboard(ctx context.Context, in inngest.Input[authevents.UserSignedUpData]) (OnboardingResult, error) {
	u := in.Event.Data
	// Durable wait: the run sleeps on the server, not in a goroutine; it
	// resumes with the matching event or with ok == false after the timeout.
	_, ok, err := step.WaitForEvent(ctx, "wait-for-verification", authevents.EmailVerified, d.VerificationTimeout,
		step.WaitOpts{If: "async.data.user_id == event.data.user_id"})
	if err != nil {
		return OnboardingResult{}, err
	}
	outcome := store.OnboardingVerified
	if !ok {
		outcome = store.OnboardingReminded
		_, err := step.SendEvent(ctx, "send-verification-reminder", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
			UserID: u.UserID, To: u.Email, Template: "verify-reminder",
			Subject: "Please verify your e-mail address",
			Body:    fmt.Sprintf("Hi %s, you signed up %s ago but have not verified your address yet.", u.Name, d.VerificationTimeout),
		}))
		if err != nil {
			return OnboardingResult{}, err
		}
	}
	_, err = step.Run(ctx, "record-outcome", func(ctx context.Context) (string, error) {
		return outcome, d.Store.SetOnboarding(ctx, u.UserID, outcome)
	})
	return OnboardingResult{UserID: u.UserID, Outcome: outcome}, err
}
