package functions_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ticketfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/ticketevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

type ticketReply struct {
	Ticket   store.Ticket `json:"ticket"`
	EventIDs []string     `json:"event_ids"`
}

func createTicket(t *testing.T, h *apptest.Harness, customerID string, bountyCents int64) ticketReply {
	t.Helper()
	var r ticketReply
	h.Post(t, "/api/tickets", map[string]any{"customer_id": customerID, "title": "Printer on fire", "body": "Again.", "bounty_cents": bountyCents}, nil, &r)
	return r
}

func TestProcessTicketSleepsAssignsAndNotifies(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	alice, _ := h.SignUp(t, "alice@example.com", "Alice")
	created := createTicket(t, h, alice.ID, 5000)
	require.Equal(t, store.TicketOpen, created.Ticket.Status, "the route returns before any processing")

	runs := h.Env.WaitForRuns(t, created.EventIDs[0], 1)
	run := runs[0]
	inngesttest.RequireCompleted(t, run)
	for _, s := range []string{"validate", "wait-for-triage", "assign", "load-customer", "notify-assignee-and-customer"} {
		inngesttest.RequireStepRan(t, run, s)
	}
	out := inngesttest.DecodeOutput[ticketfns.ProcessResult](t, run)
	require.GreaterOrEqual(t, run.EndedAt.Sub(run.StartedAt), 30*time.Second, "the triage sleep lasted 30 s of virtual time")

	tk, err := h.App.Store.Ticket(context.Background(), created.Ticket.ID)
	require.NoError(t, err)
	require.Equal(t, store.TicketAssigned, tk.Status)
	require.Equal(t, out.AssigneeID, tk.AssigneeID)
	agent := h.Messages(t, store.MessageFilter{Template: "ticket-assigned", Ref: tk.ID}, 1)
	require.Equal(t, "dave@ticketbounty.test", agent[0].Recipient)
	customer := h.Messages(t, store.MessageFilter{Template: "ticket-in-progress", Ref: tk.ID}, 1)
	require.Equal(t, "alice@example.com", customer[0].Recipient)
}

func TestTicketsGoToTheLeastBusyAgent(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	alice, _ := h.SignUp(t, "alice@example.com", "Alice")
	first := createTicket(t, h, alice.ID, 1000)
	inngesttest.RequireCompleted(t, h.Env.WaitForRun(t, first.EventIDs[0]))
	second := createTicket(t, h, alice.ID, 2000)
	inngesttest.RequireCompleted(t, h.Env.WaitForRun(t, second.EventIDs[0]))
	a, err := h.App.Store.Ticket(context.Background(), first.Ticket.ID)
	require.NoError(t, err)
	b, err := h.App.Store.Ticket(context.Background(), second.Ticket.ID)
	require.NoError(t, err)
	require.NotEqual(t, a.AssigneeID, b.AssigneeID)
}

func TestReminderAfterADay(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	alice, _ := h.SignUp(t, "alice@example.com", "Alice")
	created := createTicket(t, h, alice.ID, 5000)
	run := h.Env.WaitForFunction(t, "ticket-reminder")
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireStepRan(t, run, "wait-a-day")
	require.GreaterOrEqual(t, run.EndedAt.Sub(run.StartedAt), 24*time.Hour)
	require.Equal(t, ticketfns.ReminderResult{TicketID: created.Ticket.ID, Reminded: true}, inngesttest.DecodeOutput[ticketfns.ReminderResult](t, run))
	h.Messages(t, store.MessageFilter{Template: "ticket-reminder", Ref: created.Ticket.ID}, 1)
}

func TestReminderSkippedWhenTicketWasPaid(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{ManualClock: true}, app.Config{})
	alice, _ := h.SignUp(t, "alice@example.com", "Alice")
	tk, err := h.App.Store.CreateTicket(context.Background(), alice.ID, "Done quickly", "", 100)
	require.NoError(t, err)
	agents, err := h.App.Store.UsersByRole(context.Background(), store.RoleAgent)
	require.NoError(t, err)
	require.NoError(t, h.App.Store.AssignTicket(context.Background(), tk.ID, agents[0].ID))
	ids := h.Env.Send(t, ticketevents.TicketAssigned.New(ticketevents.TicketAssignedData{TicketID: tk.ID, AssigneeID: agents[0].ID}))
	h.Env.WaitFor(t, "the reminder to sleep", func(runs []runtype.Run) bool {
		for _, r := range runs {
			if s, ok := r.Step("wait-a-day"); ok && !s.Done {
				return true
			}
		}
		return false
	})
	require.NoError(t, h.App.Store.SetTicketStatus(context.Background(), tk.ID, store.TicketPaid))
	h.Env.Advance(24 * time.Hour)
	run := h.Env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	require.False(t, inngesttest.DecodeOutput[ticketfns.ReminderResult](t, run).Reminded)
}

func TestOverLimitTicketFailsAndGlobalHandlerCatchesIt(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	alice, _ := h.SignUp(t, "alice@example.com", "Alice")
	created := createTicket(t, h, alice.ID, 5_000_000)
	run := h.Env.WaitForRun(t, created.EventIDs[0])
	inngesttest.RequireFailed(t, run)
	inngesttest.RequireStepAttempts(t, run, "validate", 1) // NoRetry: no second attempt
	_, slept := run.Step("wait-for-triage")
	require.False(t, slept)

	handler := inngesttest.RequireFailureHandlerRan(t, h.Env, "process-ticket")
	require.Equal(t, "ticket-bounty-on-function-failed", handler.FunctionID)
	fs, err := h.App.Store.Failures(context.Background())
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Equal(t, run.ID, fs[0].RunID)
	require.Equal(t, "app/ticket.created", fs[0].EventName)
	require.Contains(t, fs[0].Error, "needs manual review")
	alert := h.Messages(t, store.MessageFilter{Channel: store.ChannelDiscord, Ref: run.ID}, 1)
	require.Equal(t, "#alerts", alert[0].Recipient)
	tk, err := h.App.Store.Ticket(context.Background(), created.Ticket.ID)
	require.NoError(t, err)
	require.Equal(t, store.TicketRejected, tk.Status)
}
