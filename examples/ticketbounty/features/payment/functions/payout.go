package functions

import (
	"context"
	"math"
	"net/url"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/paymentevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// PayoutApprovalTimeout is how long a payout waits for an admin.
const PayoutApprovalTimeout = 7 * 24 * time.Hour

// PayoutResult is pay-bounty's output.
type PayoutResult struct {
	TicketID string `json:"ticket_id"`
	// Status is "paid", "rejected" or "expired" (nobody approved in time).
	Status string `json:"status"`
	// Rate is the USD→Currency rate fetched (durably) when the payout was
	// requested; AmountMinor the payout in the currency's hundredths.
	Currency    string  `json:"currency"`
	Rate        float64 `json:"rate"`
	AmountMinor int64   `json:"amount_minor"`
	ApprovedBy  string  `json:"approved_by,omitempty"`
}

// payBounty is pay-bounty: it fetches the currency rate through
// step.FetchJSON (Inngest makes the request and records the answer, so a
// replay never asks the provider again), then waits for an admin's
// "approve-payout-<ticket>" signal.
func (d Deps) payBounty(ctx context.Context, in inngest.Input[paymentevents.PayoutRequestedData]) (PayoutResult, error) {
	p := in.Event.Data
	q := url.Values{"from": {"USD"}, "to": {p.Currency}}
	rate, _, err := step.FetchJSON[providers.Rate](ctx, "fetch-rate", step.FetchRequest{URL: d.RatesURL + "?" + q.Encode()})
	if err != nil {
		return PayoutResult{}, err
	}
	res := PayoutResult{TicketID: p.TicketID, Currency: p.Currency, Rate: rate.Rate,
		AmountMinor: int64(math.Round(float64(p.BountyCents) * rate.Rate))}
	sig, ok, err := step.WaitForSignal[paymentevents.PayoutApproval](ctx, "wait-for-approval", paymentevents.PayoutSignal(p.TicketID), PayoutApprovalTimeout)
	switch {
	case err != nil:
		return PayoutResult{}, err
	case !ok:
		res.Status = "expired"
	case !sig.Data.Approved:
		res.Status, res.ApprovedBy = "rejected", sig.Data.ApprovedBy
	default:
		res.Status, res.ApprovedBy = "paid", sig.Data.ApprovedBy
	}
	return res, nil
}
