package ticketevents

import (
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/realtime"
)

// TicketCreatedData is the data of TicketCreated.
type TicketCreatedData struct {
	TicketID    string `json:"ticket_id"`
	CustomerID  string `json:"customer_id"`
	Title       string `json:"title"`
	BountyCents int64  `json:"bounty_cents"`
}

// TicketCreated is sent by POST /api/tickets and starts ticket processing.
var TicketCreated = events.Define[TicketCreatedData]("app/ticket.created")

// TicketAssignedData is the data of TicketAssigned.
type TicketAssignedData struct {
	TicketID   string `json:"ticket_id"`
	AssigneeID string `json:"assignee_id"`
}

// TicketAssigned is sent by ticket processing once an agent has the ticket;
// it starts the 24-hour reminder.
var TicketAssigned = events.Define[TicketAssignedData]("app/ticket.assigned")

// StageData is one stage of a ticket's processing, published on the
// ticket's realtime channel (StageChannel) for whoever watches it.
type StageData struct {
	TicketID   string `json:"ticket_id"`
	Stage      string `json:"stage" jsonschema:"enum=validated,enum=assigned"`
	AssigneeID string `json:"assignee_id,omitempty"`
}

// Stage is the realtime topic process-ticket publishes each stage on.
var Stage = realtime.Define[StageData]("stage")

// StageChannel is the realtime channel of one ticket.
func StageChannel(ticketID string) string { return "ticket:" + ticketID }
