package functions_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	notifyfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

func TestSendEmailAtMostFivePerUser(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{EmailLatency: 40 * time.Millisecond})
	var evs []events.Sendable
	for i := range 12 {
		evs = append(evs, notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{UserID: "usr_a", To: "a@example.com", Template: "t", Subject: fmt.Sprint(i), Body: "x"}))
	}
	for i := range 3 {
		evs = append(evs, notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{UserID: "usr_b", To: "b@example.com", Template: "t", Subject: fmt.Sprint(i), Body: "x"}))
	}
	h.Env.Send(t, evs...)
	runs := h.Env.WaitForFunctionRuns(t, "send-email", 15)
	for _, r := range runs {
		inngesttest.RequireCompleted(t, r)
	}
	require.LessOrEqual(t, h.App.Email.PeakInFlight("usr_a"), notifyfns.EmailsPerUser)
	require.LessOrEqual(t, h.App.Email.PeakInFlight("usr_b"), 3)
	h.Messages(t, store.MessageFilter{UserID: "usr_a"}, 12)
	h.Messages(t, store.MessageFilter{UserID: "usr_b"}, 3)
}

func TestNotificationsAreBatchedPerUserPerHour(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	alice, err := h.App.Store.CreateUser(context.Background(), "alice@example.com", "Alice", store.RoleCustomer)
	require.NoError(t, err)
	bob, err := h.App.Store.CreateUser(context.Background(), "bob@example.com", "Bob", store.RoleCustomer)
	require.NoError(t, err)
	start := h.Env.Now()
	h.Env.Send(t,
		notificationevents.NotificationCreated.New(notificationevents.NotificationCreatedData{UserID: alice.ID, Text: "one"}),
		notificationevents.NotificationCreated.New(notificationevents.NotificationCreatedData{UserID: bob.ID, Text: "for bob"}),
		notificationevents.NotificationCreated.New(notificationevents.NotificationCreatedData{UserID: alice.ID, Text: "two"}),
		notificationevents.NotificationCreated.New(notificationevents.NotificationCreatedData{UserID: alice.ID, Text: "three"}),
	)
	runs := h.Env.WaitForFunctionRuns(t, "notification-digest", 2)
	require.Len(t, runs, 2)
	got := map[string]int{}
	for _, r := range runs {
		inngesttest.RequireCompleted(t, r)
		out := inngesttest.DecodeOutput[notifyfns.DigestResult](t, r)
		got[out.UserID] = out.Notifications
	}
	require.Equal(t, map[string]int{alice.ID: 3, bob.ID: 1}, got)
	require.GreaterOrEqual(t, h.Env.Now().Sub(start), time.Hour, "partial batches wait for the hour")
	m := h.Messages(t, store.MessageFilter{Template: "notification-digest", UserID: alice.ID}, 1)
	require.Equal(t, "- one\n- two\n- three\n", m[0].Body)
}

func TestCommentsBecomeNotifications(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	st := h.App.Store
	alice, err := st.CreateUser(context.Background(), "alice@example.com", "Alice", store.RoleCustomer)
	require.NoError(t, err)
	agents, err := st.UsersByRole(context.Background(), store.RoleAgent)
	require.NoError(t, err)
	tk, err := st.CreateTicket(context.Background(), alice.ID, "T", "", 100)
	require.NoError(t, err)
	require.NoError(t, st.AssignTicket(context.Background(), tk.ID, agents[0].ID))
	h.Post(t, "/api/tickets/"+tk.ID+"/comments", map[string]string{"author_id": agents[0].ID, "body": "on it"}, nil, nil)
	h.Post(t, "/api/tickets/"+tk.ID+"/comments", map[string]string{"author_id": alice.ID, "body": "thanks"}, nil, nil)
	runs := h.Env.WaitForFunctionRuns(t, "notification-digest", 2)
	users := map[string]bool{}
	for _, r := range runs {
		users[inngesttest.DecodeOutput[notifyfns.DigestResult](t, r).UserID] = true
	}
	require.Equal(t, map[string]bool{alice.ID: true, agents[0].ID: true}, users)
}
