package paymentevents

import "github.com/seed-b02f2472/inngest-go/events"

// PayoutRequestedData is the data of PayoutRequested.
type PayoutRequestedData struct {
	// TicketID is the solved ticket whose bounty is paid.
	TicketID string `json:"ticket_id"`
	// AgentID is the agent who earns it.
	AgentID string `json:"agent_id"`
	// BountyCents is the bounty in US cents.
	BountyCents int64 `json:"bounty_cents"`
	// Currency is the agent's payout currency, e.g. "EUR".
	Currency string `json:"currency"`
}

// PayoutRequested is sent by POST /api/payments/payouts.
var PayoutRequested = events.Define[PayoutRequestedData]("app/payout.requested")

// PayoutApproval is the data of the "approve-payout-<ticket>" signal.
type PayoutApproval struct {
	// ApprovedBy is the admin who approved.
	ApprovedBy string `json:"approved_by"`
	// Approved is false for a rejection.
	Approved bool `json:"approved"`
}

// PayoutSignal is the name of the signal that approves ticketID's payout.
func PayoutSignal(ticketID string) string { return "approve-payout-" + ticketID }
