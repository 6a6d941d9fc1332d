package paymentevents

import "github.com/seed-b02f2472/inngest-go/events"

// PaymentRequestedData is the data of PaymentRequested.
type PaymentRequestedData struct {
	// PaymentID is the client's idempotency key for this payment: the same
	// id twice is the same payment.
	PaymentID string `json:"payment_id"`
	UserID    string `json:"user_id"`
	TicketID  string `json:"ticket_id"`
	// Secret holds the card and the amount. It is the event's "encrypted"
	// field: the app's encryption middleware seals it when the event is sent
	// and opens it for the function, so the engine never stores it in clear.
	Secret PaymentSecret `json:"encrypted"`
}

// PaymentSecret is the sensitive part of a payment request.
type PaymentSecret struct {
	// Card is the card number (the demo's is a test number).
	Card        string `json:"card"`
	AmountCents int64  `json:"amount_cents"`
}

// PaymentRequested is sent by POST /api/payments.
var PaymentRequested = events.Define[PaymentRequestedData]("app/payment.requested")
