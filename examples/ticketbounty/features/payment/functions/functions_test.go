package functions_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	payfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

func pay(t *testing.T, h *apptest.Harness, key, userID, ticketID string) []string {
	t.Helper()
	var r struct {
		EventIDs []string `json:"event_ids"`
	}
	h.Post(t, "/api/payments", map[string]any{"user_id": userID, "ticket_id": ticketID, "amount_cents": 5000}, map[string]string{"Idempotency-Key": key}, &r)
	return r.EventIDs
}

func setup(t *testing.T, cfg app.Config) (*apptest.Harness, store.User, store.Ticket) {
	t.Helper()
	return setupWith(t, apptest.Start(t, inngesttest.Options{}, cfg))
}

// setupWith creates Alice and her $50 ticket in h's store.
func setupWith(t *testing.T, h *apptest.Harness) (*apptest.Harness, store.User, store.Ticket) {
	t.Helper()
	alice, err := h.App.Store.CreateUser(context.Background(), "alice@example.com", "Alice", store.RoleCustomer)
	require.NoError(t, err)
	tk, err := h.App.Store.CreateTicket(context.Background(), alice.ID, "Printer on fire", "", 5000)
	require.NoError(t, err)
	return h, alice, tk
}

func TestRetriedChargeIsNotDuplicated(t *testing.T) {
	t.Parallel()
	h, alice, tk := setup(t, app.Config{}) // the flaky provider: the first attempt charges, then fails
	first := pay(t, h, "pay_1", alice.ID, tk.ID)
	second := pay(t, h, "pay_1", alice.ID, tk.ID) // a double click
	run := h.Env.WaitForRun(t, first[0])
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireStepAttempts(t, run, "charge-card", 2)
	require.Equal(t, 2, openOutput(t, run).ProviderAttempts)
	require.Empty(t, h.Env.RunsForEvent(second[0]), "the function's idempotency key skips the duplicate event")

	c, err := h.App.Store.ChargeByKey(context.Background(), "pay_1")
	require.NoError(t, err)
	require.Equal(t, 2, c.Attempts)
	n, err := h.App.Store.CountCharges(context.Background(), tk.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n, "one charge row however many attempts")
	h.Messages(t, store.MessageFilter{Template: "receipt", Ref: "pay_1"}, 1)
	got, err := h.App.Store.Ticket(context.Background(), tk.ID)
	require.NoError(t, err)
	require.Equal(t, store.TicketPaid, got.Status)
}

func TestDistinctPaymentsChargeSeparately(t *testing.T) {
	t.Parallel()
	h, alice, tk := setup(t, app.Config{ReliablePayments: true})
	a := pay(t, h, "pay_a", alice.ID, tk.ID)
	b := pay(t, h, "pay_b", alice.ID, tk.ID)
	for _, id := range []string{a[0], b[0]} {
		run := h.Env.WaitForRun(t, id)
		inngesttest.RequireCompleted(t, run)
		inngesttest.RequireStepAttempts(t, run, "charge-card", 1)
	}
	n, err := h.App.Store.CountCharges(context.Background(), tk.ID)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

// declined is a provider whose every charge fails.
type declined struct{}

func (declined) Charge(context.Context, providers.ChargeRequest) (store.Charge, error) {
	return store.Charge{}, errors.New("card declined")
}

func TestChargeFailingForGoodRunsTheFailureHandlers(t *testing.T) {
	t.Parallel()
	h, alice, tk := setup(t, app.Config{Payments: declined{}})
	start := h.Env.Now()
	ids := pay(t, h, "pay_x", alice.ID, tk.ID)
	run := h.Env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	inngesttest.RequireStepAttempts(t, run, "charge-card", 4) // 1 + Retries: 3
	require.Greater(t, h.Env.Now().Sub(start), 30*time.Second, "the retries backed off")

	// Both handlers ran: the function's own OnFailure and the global one.
	h.Env.WaitForFunction(t, "charge-payment-failure")
	h.Env.WaitForFunction(t, "on-function-failed")
	m := h.Messages(t, store.MessageFilter{Template: "payment-failed", Ref: "pay_x"}, 1)
	require.Contains(t, m[0].Body, "card declined")
	n, err := h.App.Store.CountCharges(context.Background(), tk.ID)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestPaymentIsSealedInTheEngine: the card and the amount travel in the
// event's "encrypted" field, and charge-payment's step results and output
// are sealed by the encryption middleware, so what the engine stores of the
// run never holds the card in clear.
func TestPaymentIsSealedInTheEngine(t *testing.T) {
	t.Parallel()
	h, alice, tk := setup(t, app.Config{ReliablePayments: true})
	const card = "4242 4242 4242 4242"
	var r struct {
		EventIDs []string `json:"event_ids"`
	}
	h.Post(t, "/api/payments", map[string]any{"user_id": alice.ID, "ticket_id": tk.ID, "amount_cents": 5000, "card": card}, map[string]string{"Idempotency-Key": "pay_sealed"}, &r)
	run := h.Env.WaitForRun(t, r.EventIDs[0])
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, int64(5000), openOutput(t, run).AmountCents, "the function saw the amount in clear")

	stored, err := json.Marshal(run)
	require.NoError(t, err)
	require.NotContains(t, string(stored), card)
	require.NotContains(t, string(stored), "amount_cents")
	for _, ev := range run.Events {
		var e struct {
			Data struct {
				Encrypted json.RawMessage `json:"encrypted"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(ev, &e))
		require.True(t, encryption.IsSealed(e.Data.Encrypted), "the event's card and amount: %s", e.Data.Encrypted)
	}
	sealed := 0
	for _, st := range run.Steps {
		var m struct {
			Data json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(st.Result, &m), "step %s", st.Name)
		if len(m.Data) == 0 || string(m.Data) == "null" {
			continue // send-receipt's event ids
		}
		require.True(t, encryption.IsSealed(m.Data), "step %s's result: %s", st.Name, m.Data)
		sealed++
	}
	require.GreaterOrEqual(t, sealed, 3, "charge-card, mark-ticket-paid and count-provider-attempts are sealed")
}

// openOutput opens charge-payment's output, which the encryption middleware
// sealed before the engine stored it.
func openOutput(t *testing.T, run runtype.Run) payfns.ChargeResult {
	t.Helper()
	require.True(t, encryption.IsSealed(run.Output), "the engine stores the charge sealed: %s", run.Output)
	box, err := encryption.NewBox(app.DemoEncryptionKey)
	require.NoError(t, err)
	plain, err := box.Open(run.Output)
	require.NoError(t, err)
	var out payfns.ChargeResult
	require.NoError(t, json.Unmarshal(plain, &out))
	return out
}
