// Package functions holds the notification domain's Inngest functions:
// send-email, the one place e-mail leaves the app (at most 5 at once per
// user), and notification-digest, which batches a user's in-app
// notifications into one e-mail an hour.
package functions
