package adminevents

import "github.com/seed-b02f2472/inngest-go/events"

// DigestRequestedData is the data of DigestRequested.
type DigestRequestedData struct {
	RequestedBy string `json:"requested_by,omitempty"`
}

// DigestRequested asks for an admin digest now (the digest also runs daily
// on a cron).
var DigestRequested = events.Define[DigestRequestedData]("app/admin-digest.requested")

// DigestReadyData is the data of DigestReady: the figures gathered by the
// digest's parallel steps.
type DigestReadyData struct {
	DigestID     string `json:"digest_id"`
	Users        int    `json:"users"`
	OpenTickets  int    `json:"open_tickets"`
	Assigned     int    `json:"assigned_tickets"`
	RevenueCents int64  `json:"revenue_cents"`
}

// DigestReady is fanned out to every channel: one event, one function per
// channel (e-mail, Discord), each retried on its own.
var DigestReady = events.Define[DigestReadyData]("app/admin-digest.ready")
