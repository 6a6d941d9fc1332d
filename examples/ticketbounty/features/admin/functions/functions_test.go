package functions_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/adminevents"
	adminfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/apptest"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
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
}

func TestAdminDigestRunsDailyOnCron(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, inngesttest.Options{ManualClock: true}, app.Config{})
	h.Env.Advance(24 * time.Hour) // the clock starts at midnight; 08:00 passes
	run := h.Env.WaitForFunction(t, "admin-digest")
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, "inngest/scheduled.timer", run.EventName())
	h.Messages(t, store.MessageFilter{Channel: store.ChannelDiscord, Ref: run.ID}, 1)
}

func TestGlobalFailureHandlerIgnoresItsOwnFailures(t *testing.T) {
	t.Parallel()
	a, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), Client: inngest.ClientOptions{Mode: inngest.ModeDev}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	// A failure of the handler itself must not start the handler again: its
	// trigger excludes its own id.
	var cfg struct {
		Triggers []struct {
			Expression string `json:"expression"`
		} `json:"triggers"`
	}
	for _, f := range a.Functions {
		if f.ID() == "ticket-bounty-"+adminfns.FailureHandlerID {
			require.NoError(t, json.Unmarshal(f.(interface{ Config() json.RawMessage }).Config(), &cfg))
		}
	}
	require.Len(t, cfg.Triggers, 1)
	require.Equal(t, "event.data.function_id != 'ticket-bounty-on-function-failed'", cfg.Triggers[0].Expression)
}
