package functions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Deps is what the notification functions need.
type Deps struct {
	Client *inngest.Client
	Store  *store.Store
	Email  providers.Emailer
	// DigestWindow is how long notifications are collected before the
	// digest e-mail goes out. Default: 1 hour.
	DigestWindow time.Duration
}

// EmailsPerUser is send-email's concurrency limit per user.
const EmailsPerUser = 5

// SendEmailResult is send-email's output.
type SendEmailResult struct {
	MessageID string `json:"message_id"`
}

// DigestResult is notification-digest's output.
type DigestResult struct {
	UserID        string `json:"user_id"`
	Notifications int    `json:"notifications"`
}

// New defines the notification functions; each one's handler is a method
// below.
func New(d Deps) ([]inngest.ServableFunction, error) {
	if d.DigestWindow <= 0 {
		d.DigestWindow = time.Hour
	}
	sendEmail, err1 := inngest.NewFunction(d.Client, inngest.FunctionOpts{
		ID:      "send-email",
		Retries: 3,
		// Performance: a burst of e-mails to one user never has more than
		// five provider calls in flight; other users are not slowed down.
		Concurrency: []inngest.Concurrency{{Limit: EmailsPerUser, Key: "event.data.user_id"}},
	}, inngest.OnEvent(notificationevents.EmailRequested), d.sendEmail)
	digest, err2 := inngest.NewFunction(d.Client, inngest.FunctionOpts{
		ID: "notification-digest",
		// Performance: one run (and one e-mail) per user per window instead
		// of one per notification.
		BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: d.DigestWindow, Key: "event.data.user_id"},
	}, inngest.OnEvent(notificationevents.NotificationCreated), d.sendDigest)
	return []inngest.ServableFunction{sendEmail, digest}, errors.Join(err1, err2)
}

// sendEmail is send-email: every e-mail of the app goes through it, so the
// provider call is retried and rate-limited in one place.
func (d Deps) sendEmail(ctx context.Context, in inngest.Input[notificationevents.EmailRequestedData]) (SendEmailResult, error) {
	e := in.Event.Data
	id, err := step.Run(ctx, "send", func(ctx context.Context) (string, error) {
		return d.Email.SendEmail(ctx, providers.Email{To: e.To, UserID: e.UserID, Template: e.Template, Subject: e.Subject, Body: e.Body, Ref: e.Ref})
	})
	if err != nil {
		return SendEmailResult{}, err
	}
	inngest.Logger(ctx).Info("e-mail sent", "template", e.Template, "to", e.To, "message_id", id)
	return SendEmailResult{MessageID: id}, nil
}

// sendDigest is notification-digest: it gets a batch of one user's
// notifications (in.Events) and e-mails them as one digest.
func (d Deps) sendDigest(ctx context.Context, in inngest.Input[notificationevents.NotificationCreatedData]) (DigestResult, error) {
	userID := in.Event.Data.UserID
	user, err := step.Run(ctx, "load-user", func(ctx context.Context) (store.User, error) {
		return d.Store.User(ctx, userID)
	})
	if err != nil {
		return DigestResult{}, err
	}
	var b strings.Builder
	for _, ev := range in.Events {
		fmt.Fprintf(&b, "- %s\n", ev.Data.Text)
	}
	_, err = step.SendEvent(ctx, "request-digest-email", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: user.ID, To: user.Email, Template: "notification-digest",
		Subject: fmt.Sprintf("You have %d new notifications", len(in.Events)), Body: b.String(), Ref: in.RunID,
	}))
	return DigestResult{UserID: user.ID, Notifications: len(in.Events)}, err
}
