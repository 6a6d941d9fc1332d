package notificationevents

import "github.com/seed-b02f2472/inngest-go/events"

// EmailRequestedData is the data of EmailRequested.
type EmailRequestedData struct {
	UserID   string `json:"user_id"`
	To       string `json:"to"`
	Template string `json:"template"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	Ref      string `json:"ref,omitempty"`
}

// EmailRequested asks the send-email function to deliver one e-mail. Every
// e-mail goes through it, so one concurrency limit (5 per user) covers them
// all.
var EmailRequested = events.Define[EmailRequestedData]("app/email.requested")

// NotificationCreatedData is the data of NotificationCreated.
type NotificationCreatedData struct {
	UserID string `json:"user_id"`
	Text   string `json:"text"`
	Ref    string `json:"ref,omitempty"`
}

// NotificationCreated is one in-app notification (a comment on your ticket,
// ...); they are batched into one hourly e-mail per user.
var NotificationCreated = events.Define[NotificationCreatedData]("app/notification.created")
