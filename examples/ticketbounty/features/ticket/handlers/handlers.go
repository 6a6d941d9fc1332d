package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/ticketevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/realtime"
)

// Deps is what the ticket routes need.
type Deps struct {
	Store  *store.Store
	Events jsonapi.Sender
	// Realtime relays GET /{id}/events; nil leaves the route out.
	Realtime *realtime.Client
}

// TicketResponse is the reply of POST /api/tickets.
type TicketResponse struct {
	Ticket   store.Ticket `json:"ticket"`
	EventIDs []string     `json:"event_ids"`
}

// CommentResponse is the reply of POST /api/tickets/{id}/comments.
type CommentResponse struct {
	Comment  store.Comment `json:"comment"`
	EventIDs []string      `json:"event_ids"`
}

// Routes mounts POST /, GET /{id}, POST /{id}/comments and GET /{id}/events
// (the ticket's processing stages as server-sent events).
func Routes(d Deps) func(chi.Router) {
	return func(r chi.Router) {
		r.Post("/", d.create)
		r.Get("/{id}", d.get)
		r.Post("/{id}/comments", d.comment)
		if d.Realtime != nil {
			r.Method(http.MethodGet, "/{id}/events", d.Realtime.SSEHandler(d.stages))
		}
	}
}

// stages resolves GET /{id}/events to the ticket's channel; a ticket that
// does not exist is a 404. (The example has no sessions: a real app checks
// here that the user may see the ticket.)
func (d Deps) stages(r *http.Request) (string, []string, error) {
	id := chi.URLParam(r, "id")
	if _, err := d.Store.Ticket(r.Context(), id); err != nil {
		return "", nil, &realtime.HTTPError{Status: http.StatusNotFound, Message: "no such ticket"}
	}
	return ticketevents.StageChannel(id), []string{ticketevents.Stage.Name()}, nil
}

func (d Deps) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CustomerID  string `json:"customer_id"`
		Title       string `json:"title"`
		Body        string `json:"body"`
		BountyCents int64  `json:"bounty_cents"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if strings.TrimSpace(in.Title) == "" || in.BountyCents <= 0 {
		jsonapi.Error(w, http.StatusBadRequest, "title and a positive bounty_cents are required")
		return
	}
	if _, err := d.Store.User(r.Context(), in.CustomerID); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, "unknown customer_id")
		return
	}
	t, err := d.Store.CreateTicket(r.Context(), in.CustomerID, in.Title, in.Body, in.BountyCents)
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	ids, err := d.Events.Send(r.Context(), ticketevents.TicketCreated.New(ticketevents.TicketCreatedData{
		TicketID: t.ID, CustomerID: t.CustomerID, Title: t.Title, BountyCents: t.BountyCents,
	}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, TicketResponse{Ticket: t, EventIDs: ids})
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) {
	t, err := d.Store.Ticket(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		jsonapi.Error(w, http.StatusNotFound, "no such ticket")
		return
	}
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusOK, t)
}

// comment stores a comment and notifies the other party: the customer when
// someone else comments, the assignee when the customer does. Notifications
// are batched into an hourly e-mail by the notification domain.
func (d Deps) comment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AuthorID string `json:"author_id"`
		Body     string `json:"body"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	t, err := d.Store.Ticket(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		jsonapi.Error(w, http.StatusNotFound, "no such ticket")
		return
	}
	author, err := d.Store.User(r.Context(), in.AuthorID)
	if err != nil {
		jsonapi.Error(w, http.StatusBadRequest, "unknown author_id")
		return
	}
	c, err := d.Store.AddComment(r.Context(), t.ID, author.ID, in.Body)
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	recipient := t.CustomerID
	if author.ID == t.CustomerID {
		recipient = t.AssigneeID
	}
	ids := []string{}
	if recipient != "" {
		ids, err = d.Events.Send(r.Context(), notificationevents.NotificationCreated.New(notificationevents.NotificationCreatedData{
			UserID: recipient, Ref: t.ID, Text: author.Name + " commented on " + t.Title + ": " + in.Body,
		}))
		if err != nil {
			jsonapi.Error(w, http.StatusBadGateway, err.Error())
			return
		}
	}
	jsonapi.Write(w, http.StatusCreated, CommentResponse{Comment: c, EventIDs: ids})
}
