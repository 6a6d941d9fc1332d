// Package handlers holds the auth domain's HTTP routes. Each one does the
// synchronous minimum (a database write), sends an event, and returns: the
// e-mails and the onboarding happen in Inngest functions, never in the
// request.
package handlers
