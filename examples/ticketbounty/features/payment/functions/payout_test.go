package functions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	payfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

func requestPayout(t *testing.T, h *apptest.Harness, ticketID string) string {
	t.Helper()
	var r struct {
		EventIDs []string `json:"event_ids"`
	}
	h.Post(t, "/api/payments/payouts", map[string]any{"ticket_id": ticketID, "agent_id": "agent", "bounty_cents": 5000, "currency": "GBP"}, nil, &r)
	return r.EventIDs[0]
}

// TestPayoutApproved: the rate is fetched durably from the stub provider and
// the admin's approve button (a signal) resumes the waiting run.
func TestPayoutApproved(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{ManualClock: true}, app.Config{ReliablePayments: true})
	_, _, tk := setupWith(t, h)
	id := requestPayout(t, h, tk.ID)
	require.Eventually(t, func() bool {
		for _, r := range h.Env.RunsForEvent(id) {
			for _, w := range r.Waits {
				if w.Signal == "approve-payout-"+tk.ID {
					return true
				}
			}
		}
		return false
	}, 10*time.Second, 2*time.Millisecond)
	var out struct {
		RunID string `json:"run_id"`
	}
	h.Post(t, "/api/payments/payouts/"+tk.ID+"/approve", map[string]any{"approved_by": "ada", "approved": true}, nil, &out)
	run := h.Env.WaitForRun(t, id)
	require.Equal(t, run.ID, out.RunID)
	inngesttest.RequireCompleted(t, run)
	res := inngesttest.DecodeOutput[payfns.PayoutResult](t, run)
	require.Equal(t, payfns.PayoutResult{TicketID: tk.ID, Status: "paid", Currency: "GBP", Rate: 0.79, AmountMinor: 3950, ApprovedBy: "ada"}, res)
}

// TestPayoutExpires: without approval the wait times out (the test clock
// jumps over the 7 days) and the payout ends "expired".
func TestPayoutExpires(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{ReliablePayments: true})
	_, _, tk := setupWith(t, h)
	run := h.Env.WaitForRun(t, requestPayout(t, h, tk.ID))
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, "expired", inngesttest.DecodeOutput[payfns.PayoutResult](t, run).Status)
	inngesttest.RequireStepRan(t, run, "fetch-rate")
}
