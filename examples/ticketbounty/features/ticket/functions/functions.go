package functions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/ticketevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Deps is what the ticket functions need.
type Deps struct {
	Client *inngest.Client
	Store  *store.Store
	// TriageDelay is the pause between validation and assignment, giving
	// the customer time to edit the ticket. Default: 30 seconds.
	TriageDelay time.Duration
	// ReminderDelay is how long after assignment the assignee is reminded.
	// Default: 24 hours.
	ReminderDelay time.Duration
	// MaxBountyCents is the largest bounty accepted without manual review.
	// Default: $10,000.
	MaxBountyCents int64
}

// ProcessResult is process-ticket's output.
type ProcessResult struct {
	TicketID   string `json:"ticket_id"`
	AssigneeID string `json:"assignee_id"`
}

// ReminderResult is ticket-reminder's output.
type ReminderResult struct {
	TicketID string `json:"ticket_id"`
	Reminded bool   `json:"reminded"`
}

// New defines the ticket functions; each one's handler is a method below.
func New(d Deps) ([]inngest.ServableFunction, error) {
	if d.TriageDelay <= 0 {
		d.TriageDelay = 30 * time.Second
	}
	if d.ReminderDelay <= 0 {
		d.ReminderDelay = 24 * time.Hour
	}
	if d.MaxBountyCents <= 0 {
		d.MaxBountyCents = 10_000_00
	}
	process, err1 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "process-ticket", Retries: 3},
		inngest.OnEvent(ticketevents.TicketCreated), d.processTicket)
	reminder, err2 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "ticket-reminder"},
		inngest.OnEvent(ticketevents.TicketAssigned), d.remindAssignee)
	return []inngest.ServableFunction{process, reminder}, errors.Join(err1, err2)
}

// processTicket is process-ticket: validate the ticket, give the customer
// TriageDelay to edit it, assign it to the least busy agent and e-mail both.
func (d Deps) processTicket(ctx context.Context, in inngest.Input[ticketevents.TicketCreatedData]) (ProcessResult, error) {
	ticketID := in.Event.Data.TicketID
	ticket, err := step.Run(ctx, "validate", func(ctx context.Context) (store.Ticket, error) {
		t, err := d.Store.Ticket(ctx, ticketID)
		if err != nil {
			return t, err // a database hiccup: retried
		}
		if t.BountyCents > d.MaxBountyCents {
			_ = d.Store.SetTicketStatus(ctx, t.ID, store.TicketRejected)
			// Retrying cannot fix this: fail for good, at once.
			return t, inngest.NoRetry(fmt.Errorf("bounty %s is over the %s limit and needs manual review",
				dollars(t.BountyCents), dollars(d.MaxBountyCents)))
		}
		return t, nil
	})
	if err != nil {
		return ProcessResult{}, err
	}
	stages := ticketevents.Stage.On(ticketevents.StageChannel(ticketID))
	// Durable: published once, not again each time the function is re-run.
	if _, err := realtime.PublishStep(ctx, "publish-validated", stages, ticketevents.StageData{TicketID: ticketID, Stage: "validated"}); err != nil {
		return ProcessResult{}, err
	}
	if err := step.Sleep(ctx, "wait-for-triage", d.TriageDelay); err != nil {
		return ProcessResult{}, err
	}
	agent, err := step.Run(ctx, "assign", func(ctx context.Context) (store.User, error) {
		a, err := d.Store.LeastBusyAgent(ctx)
		if err != nil {
			return a, fmt.Errorf("no agent available: %w", err)
		}
		return a, d.Store.AssignTicket(ctx, ticket.ID, a.ID)
	})
	if err != nil {
		return ProcessResult{}, err
	}
	if _, err := realtime.PublishStep(ctx, "publish-assigned", stages, ticketevents.StageData{TicketID: ticketID, Stage: "assigned", AssigneeID: agent.ID}); err != nil {
		return ProcessResult{}, err
	}
	customer, err := step.Run(ctx, "load-customer", func(ctx context.Context) (store.User, error) {
		return d.Store.User(ctx, ticket.CustomerID)
	})
	if err != nil {
		return ProcessResult{}, err
	}
	// One step, three events: both e-mails and the assignment event (which
	// starts the reminder) are sent together, exactly once.
	_, err = step.SendEvent(ctx, "notify-assignee-and-customer",
		notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
			UserID: agent.ID, To: agent.Email, Template: "ticket-assigned", Ref: ticket.ID,
			Subject: "New ticket for you: " + ticket.Title,
			Body:    fmt.Sprintf("You were assigned %q (bounty %s).", ticket.Title, dollars(ticket.BountyCents)),
		}),
		notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
			UserID: customer.ID, To: customer.Email, Template: "ticket-in-progress", Ref: ticket.ID,
			Subject: "Your ticket is being worked on",
			Body:    fmt.Sprintf("%s is now working on %q.", agent.Name, ticket.Title),
		}),
		ticketevents.TicketAssigned.New(ticketevents.TicketAssignedData{TicketID: ticket.ID, AssigneeID: agent.ID}),
	)
	return ProcessResult{TicketID: ticket.ID, AssigneeID: agent.ID}, err
}

// remindAssignee is ticket-reminder: ReminderDelay after an assignment it
// e-mails the assignee if the ticket is still theirs and open.
func (d Deps) remindAssignee(ctx context.Context, in inngest.Input[ticketevents.TicketAssignedData]) (ReminderResult, error) {
	a := in.Event.Data
	if err := step.Sleep(ctx, "wait-a-day", d.ReminderDelay); err != nil {
		return ReminderResult{}, err
	}
	// Read the state after the sleep, in a step: it may have changed.
	t, err := step.Run(ctx, "load-ticket", func(ctx context.Context) (store.Ticket, error) {
		return d.Store.Ticket(ctx, a.TicketID)
	})
	if err != nil {
		return ReminderResult{}, err
	}
	if t.Status != store.TicketAssigned || t.AssigneeID != a.AssigneeID {
		return ReminderResult{TicketID: t.ID}, nil
	}
	agent, err := step.Run(ctx, "load-assignee", func(ctx context.Context) (store.User, error) {
		return d.Store.User(ctx, a.AssigneeID)
	})
	if err != nil {
		return ReminderResult{}, err
	}
	_, err = step.SendEvent(ctx, "send-reminder", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: agent.ID, To: agent.Email, Template: "ticket-reminder", Ref: t.ID,
		Subject: "Reminder: " + t.Title,
		Body:    fmt.Sprintf("%q is still open, with a %s bounty waiting.", t.Title, dollars(t.BountyCents)),
	}))
	return ReminderResult{TicketID: t.ID, Reminded: true}, err
}

func dollars(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }
