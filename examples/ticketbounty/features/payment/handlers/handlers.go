package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/paymentevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Deps is what the payment route needs.
type Deps struct {
	Store  *store.Store
	Events jsonapi.Sender
	// Signals sends signals (the inngest.Client).
	Signals Signaler
}

// PaymentResponse is the reply of POST /api/payments.
type PaymentResponse struct {
	PaymentID string   `json:"payment_id"`
	EventIDs  []string `json:"event_ids"`
}

// Routes mounts POST /, POST /payouts and POST /payouts/{ticket}/approve.
func Routes(d Deps) func(chi.Router) {
	return func(r chi.Router) {
		r.Post("/", d.pay)
		r.Post("/payouts", d.requestPayout)
		r.Post("/payouts/{ticket}/approve", d.approvePayout)
	}
}

// pay requests a payment. The client must send an Idempotency-Key header
// (a payment id it generated): sending the same request twice, after a
// timeout or a double click, is then the same payment.
func (d Deps) pay(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		jsonapi.Error(w, http.StatusBadRequest, "the Idempotency-Key header is required")
		return
	}
	var in struct {
		UserID      string `json:"user_id"`
		TicketID    string `json:"ticket_id"`
		AmountCents int64  `json:"amount_cents"`
		Card        string `json:"card"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.AmountCents <= 0 {
		jsonapi.Error(w, http.StatusBadRequest, "amount_cents must be positive")
		return
	}
	if _, err := d.Store.Ticket(r.Context(), in.TicketID); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, "unknown ticket_id")
		return
	}
	ids, err := d.Events.Send(r.Context(), paymentevents.PaymentRequested.New(paymentevents.PaymentRequestedData{
		PaymentID: key, UserID: in.UserID, TicketID: in.TicketID,
		Secret: paymentevents.PaymentSecret{Card: in.Card, AmountCents: in.AmountCents},
	}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, PaymentResponse{PaymentID: key, EventIDs: ids})
}
