package ticketevents

import "github.com/seed-b02f2472/inngest-go/events"

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
