package authevents

import "github.com/seed-b02f2472/inngest-go/events"

// UserSignedUpData is the data of UserSignedUp.
type UserSignedUpData struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// UserSignedUp is sent by POST /api/auth/signup. It starts the welcome
// e-mail and the onboarding workflow.
var UserSignedUp = events.Define[UserSignedUpData]("app/auth.user-signed-up")

// PasswordResetRequestedData is the data of PasswordResetRequested.
type PasswordResetRequestedData struct {
	UserID   string `json:"user_id"`
	Email    string `json:"email"`
	ResetURL string `json:"reset_url"`
}

// PasswordResetRequested is sent by POST /api/auth/password-reset.
var PasswordResetRequested = events.Define[PasswordResetRequestedData]("app/auth.password-reset-requested")

// EmailVerifiedData is the data of EmailVerified.
type EmailVerifiedData struct {
	UserID string `json:"user_id"`
}

// EmailVerified is sent by POST /api/auth/verify-email; the onboarding
// workflow waits for it.
var EmailVerified = events.Define[EmailVerifiedData]("app/auth.email-verified")
