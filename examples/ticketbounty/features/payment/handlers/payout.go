package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/paymentevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// Signaler sends Inngest signals (inngest.Client does).
type Signaler interface {
	SendSignal(ctx context.Context, name string, data any) (string, error)
}

// requestPayout starts a bounty payout (pay-bounty), which fetches the
// currency rate and waits for an admin's approval.
func (d Deps) requestPayout(w http.ResponseWriter, r *http.Request) {
	var in paymentevents.PayoutRequestedData
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.BountyCents <= 0 || in.Currency == "" {
		jsonapi.Error(w, http.StatusBadRequest, "bounty_cents must be positive and currency set")
		return
	}
	if _, err := d.Store.Ticket(r.Context(), in.TicketID); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, "unknown ticket_id")
		return
	}
	ids, err := d.Events.Send(r.Context(), paymentevents.PayoutRequested.New(in))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, map[string]any{"event_ids": ids})
}

// approvePayout is the admin's "approve payout" button: it signals the
// waiting pay-bounty run and answers with its run ID, or 404 when no payout
// of that ticket waits.
func (d Deps) approvePayout(w http.ResponseWriter, r *http.Request) {
	var in paymentevents.PayoutApproval
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	runID, err := d.Signals.SendSignal(r.Context(), paymentevents.PayoutSignal(chi.URLParam(r, "ticket")), in)
	switch {
	case errors.Is(err, inngest.ErrNoSignalWait):
		jsonapi.Error(w, http.StatusNotFound, "no payout of this ticket waits for approval")
	case err != nil:
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
	default:
		jsonapi.Write(w, http.StatusOK, map[string]string{"run_id": runID})
	}
}
