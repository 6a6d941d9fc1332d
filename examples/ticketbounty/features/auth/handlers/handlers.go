package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/authevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/jsonapi"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Deps is what the auth routes need.
type Deps struct {
	Store  *store.Store
	Events jsonapi.Sender
	// BaseURL is the public URL used in links (password reset).
	BaseURL string
}

// SignupResponse is the reply of POST /api/auth/signup.
type SignupResponse struct {
	User     store.User `json:"user"`
	EventIDs []string   `json:"event_ids"`
}

// Routes mounts POST /signup, /password-reset and /verify-email.
func Routes(d Deps) func(chi.Router) {
	return func(r chi.Router) {
		r.Post("/signup", d.signup)
		r.Post("/password-reset", d.passwordReset)
		r.Post("/verify-email", d.verifyEmail)
	}
}

func (d Deps) signup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if !strings.Contains(in.Email, "@") || strings.TrimSpace(in.Name) == "" {
		jsonapi.Error(w, http.StatusBadRequest, "email and name are required")
		return
	}
	u, err := d.Store.CreateUser(r.Context(), in.Email, in.Name, store.RoleCustomer)
	if errors.Is(err, store.ErrEmailTaken) {
		jsonapi.Error(w, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	ids, err := d.Events.Send(r.Context(), authevents.UserSignedUp.New(authevents.UserSignedUpData{UserID: u.ID, Email: u.Email, Name: u.Name}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusCreated, SignupResponse{User: u, EventIDs: ids})
}

func (d Deps) passwordReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	u, err := d.Store.UserByEmail(r.Context(), in.Email)
	if errors.Is(err, store.ErrNotFound) {
		// Same reply either way: do not reveal who has an account.
		jsonapi.Write(w, http.StatusAccepted, jsonapi.Accepted{EventIDs: []string{}})
		return
	}
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	token, err := d.Store.CreatePasswordReset(r.Context(), u.ID)
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	ids, err := d.Events.Send(r.Context(), authevents.PasswordResetRequested.New(authevents.PasswordResetRequestedData{
		UserID: u.ID, Email: u.Email, ResetURL: strings.TrimRight(d.BaseURL, "/") + "/reset?token=" + token,
	}))
	if err != nil {
		jsonapi.Error(w, http.StatusBadGateway, err.Error())
		return
	}
	jsonapi.Write(w, http.StatusAccepted, jsonapi.Accepted{EventIDs: ids})
}

func (d Deps) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		jsonapi.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	first, err := d.Store.MarkVerified(r.Context(), in.UserID)
	if errors.Is(err, store.ErrNotFound) {
		jsonapi.Error(w, http.StatusNotFound, "no such user")
		return
	}
	if err != nil {
		jsonapi.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	ids := []string{}
	if first {
		ids, err = d.Events.Send(r.Context(), authevents.EmailVerified.New(authevents.EmailVerifiedData{UserID: in.UserID}))
		if err != nil {
			jsonapi.Error(w, http.StatusBadGateway, err.Error())
			return
		}
	}
	jsonapi.Write(w, http.StatusOK, jsonapi.Accepted{EventIDs: ids})
}
