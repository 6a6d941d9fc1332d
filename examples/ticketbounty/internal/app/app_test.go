package app_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

func TestRoutesRejectBadRequests(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	h.SignUp(t, "taken@example.com", "Taken")
	tests := []struct {
		name, path, body string
		headers          map[string]string
		want             int
	}{
		{"signup without email", "/api/auth/signup", `{"name":"x"}`, nil, http.StatusBadRequest},
		{"signup twice", "/api/auth/signup", `{"email":"TAKEN@example.com","name":"x"}`, nil, http.StatusConflict},
		{"signup bad JSON", "/api/auth/signup", `{`, nil, http.StatusBadRequest},
		{"verify unknown user", "/api/auth/verify-email", `{"user_id":"usr_nope"}`, nil, http.StatusNotFound},
		{"ticket without bounty", "/api/tickets/", `{"customer_id":"x","title":"t"}`, nil, http.StatusBadRequest},
		{"ticket unknown customer", "/api/tickets/", `{"customer_id":"usr_nope","title":"t","bounty_cents":1}`, nil, http.StatusBadRequest},
		{"payment without Idempotency-Key", "/api/payments/", `{"ticket_id":"t","amount_cents":1}`, nil, http.StatusBadRequest},
		{"payment unknown ticket", "/api/payments/", `{"ticket_id":"tkt_nope","amount_cents":1}`, map[string]string{"Idempotency-Key": "k"}, http.StatusBadRequest},
		{"e-mail unknown user", "/api/notifications/email", `{"user_id":"usr_nope"}`, nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, h.API.URL+tt.path, bytes.NewBufferString(tt.body))
			require.NoError(t, err)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := h.API.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, tt.want, resp.StatusCode)
		})
	}
	for _, r := range h.Env.Runs() {
		require.NotContains(t, []string{"ticket-bounty-process-ticket", "ticket-bounty-charge-payment"}, r.FunctionID, "a rejected request sent an event")
	}
}

func TestIntrospectionListsEveryFunction(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	resp, err := h.API.Client().Get(h.API.URL + "/api/inngest")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var ids []string
	for _, f := range h.App.Functions {
		ids = append(ids, f.ID())
	}
	require.ElementsMatch(t, []string{
		"ticket-bounty-send-welcome-email", "ticket-bounty-send-password-reset-email", "ticket-bounty-onboarding",
		"ticket-bounty-process-ticket", "ticket-bounty-ticket-reminder", "ticket-bounty-charge-payment", "ticket-bounty-pay-bounty",
		"ticket-bounty-admin-digest", "ticket-bounty-admin-digest-email", "ticket-bounty-admin-digest-discord",
		"ticket-bounty-on-function-failed", "ticket-bounty-send-email", "ticket-bounty-notification-digest",
	}, ids)
}
