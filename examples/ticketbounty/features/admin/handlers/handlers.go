package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/adminevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Deps is what the admin routes need.
type Deps struct {
	Store  *store.Store
	Events jsonapi.Sender
}

// Routes mounts POST /digest, GET /outbox and GET /failures.
func Routes(d Deps) func(chi.Router) {
	return func(r chi.Router) {
		r.Post("/digest", d.digest)
		r.Get("/outbox", d.outbox)
		r.Get("/failures", d.failures)
	}
}

func (d Deps) digest(w http.ResponseWriter, r *http.Request) {
	ids, err := d.Events.Send(r.Context(), adminevents.DigestRequested.New(adminevents.DigestRequestedData{RequestedBy: "api"}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, jsonapi.Accepted{EventIDs: ids})
}

// outbox lists sent messages; ?channel=, ?user_id=, ?template= and ?ref=
// filter them.
func (d Deps) outbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	msgs, err := d.Store.Messages(r.Context(), store.MessageFilter{Channel: q.Get("channel"), UserID: q.Get("user_id"), Template: q.Get("template"), Ref: q.Get("ref")})
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	if msgs == nil {
		msgs = []store.Message{}
	}
	jsonapi.Write(w, http.StatusOK, msgs)
}

func (d Deps) failures(w http.ResponseWriter, r *http.Request) {
	fs, err := d.Store.Failures(r.Context())
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	if fs == nil {
		fs = []store.Failure{}
	}
	jsonapi.Write(w, http.StatusOK, fs)
}
