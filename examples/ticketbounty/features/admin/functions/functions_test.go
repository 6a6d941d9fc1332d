package functions_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	adminevents "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/events"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

func TestAdminDigestFansOut(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{}, app.Config{})
	ids := h.Env.Send(t, adminevents.DigestRequested.New(adminevents.DigestRequestedData{RequestedBy: "test"}))
	run := h.Env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	for _, s := range []string{"count-users", "count-open-tickets", "count-assigned-tickets", "sum-revenue", "fan-out-digest"} {
		inngesttest.RequireStepRan(t, run, s)
	}
	out := inngesttest.DecodeOutput[adminevents.DigestReadyData](t, run)
	require.Equal(t, run.ID, out.DigestID)
	require.Equal(t, 3, out.Users) // the seeded staff
	h.Env.WaitForFunction(t, "admin-digest-email")
	h.Env.WaitForFunction(t, "admin-digest-discord")
	em := h.Messages(t, store.MessageFilter{Template: "admin-digest", Ref: run.ID}, 1)
	require.Equal(t, "ada@ticketbounty.test", em[0].Recipient)
	dm := h.Messages(t, store.MessageFilter{Channel: store.ChannelDiscord, Ref: run.ID}, 1)
	require.Contains(t, dm[0].Body, "3 users")
	_ = context.Background()
}
