package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/engine"
	payfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/functions"
)

// payout requests the bounty payout of the demo's ticket in EUR: pay-bounty
// fetches the rate through step.FetchJSON (the engine makes the request to
// the app's stub /api/rates) and waits for the "approve payout" signal,
// which the admin's button (POST /api/payments/payouts/{ticket}/approve)
// sends.
func (d *demo) payout(ctx context.Context) (string, error) {
	if d.ticket.AssigneeID == "" {
		return "", errors.New("no assigned ticket (an earlier workflow failed)")
	}
	d.p.Printf("   POST /api/payments/payouts: pay %s the $%d bounty in EUR", d.ticket.AssigneeID, d.ticket.BountyCents/100)
	body := map[string]any{"ticket_id": d.ticket.ID, "agent_id": d.ticket.AssigneeID, "bounty_cents": d.ticket.BountyCents, "currency": "EUR"}
	if err := d.post(ctx, "/api/payments/payouts", body, nil, nil); err != nil {
		return "", err
	}
	waiting, err := d.waitPaused(ctx, "pay-bounty", d.ticket.ID, "wait-for-approval")
	if err != nil {
		return "", err
	}
	if !stepDone(waiting, "fetch-rate") {
		return "", errors.New("pay-bounty waits for approval before its rate fetch was recorded")
	}
	d.p.Printf("   Ada clicks \"approve payout\": POST /api/payments/payouts/%s/approve", d.ticket.ID)
	var approved struct {
		RunID string `json:"run_id"`
	}
	if err := d.post(ctx, "/api/payments/payouts/"+d.ticket.ID+"/approve", map[string]any{"approved_by": "ada@ticketbounty.test", "approved": true}, nil, &approved); err != nil {
		return "", err
	}
	run, err := d.waitRunDone(ctx, "pay-bounty", d.ticket.ID)
	if err != nil {
		return "", err
	}
	if run.Status != engine.StatusCompleted || run.ID != approved.RunID {
		return "", fmt.Errorf("pay-bounty ended %s (signal reached run %s, want %s)", run.Status, approved.RunID, run.ID)
	}
	var res payfns.PayoutResult
	if err := json.Unmarshal(run.Output, &res); err != nil {
		return "", err
	}
	if res.Status != "paid" || res.Rate != 0.92 || res.AmountMinor != int64(float64(d.ticket.BountyCents)*0.92+0.5) {
		return "", fmt.Errorf("unexpected payout %+v", res)
	}
	return fmt.Sprintf("rate USD→EUR %.2f fetched by Inngest and recorded; the approval signal resumed the run: paid €%d.%02d", res.Rate, res.AmountMinor/100, res.AmountMinor%100), nil
}

// stepDone reports whether the run's step named name has a result.
func stepDone(r engine.Run, name string) bool {
	for _, s := range r.Steps {
		if s.Name == name && s.Done {
			return true
		}
	}
	return false
}
