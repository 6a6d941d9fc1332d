package events

import "github.com/seed-b02f2472/inngest-go/events"

// PaymentRequestedData is the data of PaymentRequested.
type PaymentRequestedData struct {
	// PaymentID is the client's idempotency key for this payment: the same
	// id twice is the same payment.
	PaymentID   string `json:"payment_id"`
	UserID      string `json:"user_id"`
	TicketID    string `json:"ticket_id"`
	AmountCents int64  `json:"amount_cents"`
}

// PaymentRequested is sent by POST /api/payments.
var PaymentRequested = events.Define[PaymentRequestedData]("app/payment.requested")
