package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Deps is what the notification route needs.
type Deps struct {
	Store  *store.Store
	Events jsonapi.Sender
}

// Routes mounts POST /email.
func Routes(d Deps) func(chi.Router) {
	return func(r chi.Router) { r.Post("/email", d.email) }
}

// email queues an e-mail to a user; it is delivered by send-email, at most
// five at a time per user.
func (d Deps) email(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID  string `json:"user_id"`
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	u, err := d.Store.User(r.Context(), in.UserID)
	if err != nil {
		jsonapi.Error(w, http.StatusBadRequest, "unknown user_id")
		return
	}
	ids, err := d.Events.Send(r.Context(), notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: u.ID, To: u.Email, Template: "transactional", Subject: in.Subject, Body: in.Body,
	}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, jsonapi.Accepted{EventIDs: ids})
}
