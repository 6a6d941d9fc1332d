package functions

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/adminevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Deps is what the admin functions need.
type Deps struct {
	Client  *inngest.Client
	Store   *store.Store
	Discord providers.Discord
	// DigestCron is the digest's schedule. Default: every day at 08:00 UTC.
	DigestCron string
}

// Discord channels the app posts to.
const (
	ChannelAdmin  = "#admin"
	ChannelAlerts = "#alerts"
)

// FailureHandlerID is the slug of the global failure handler.
const FailureHandlerID = "on-function-failed"

// New defines the admin functions; each one's handler is a method below.
func New(d Deps) ([]inngest.ServableFunction, error) {
	if d.DigestCron == "" {
		d.DigestCron = "TZ=UTC 0 8 * * *"
	}
	digest, err1 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "admin-digest"},
		inngest.Triggers(
			inngest.OnCronAs[adminevents.DigestRequestedData](d.DigestCron),
			inngest.OnEvent(adminevents.DigestRequested),
		), d.buildDigest)
	// Fan-out: two functions on the same event, each failing and retrying
	// on its own.
	digestEmail, err2 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "admin-digest-email"},
		inngest.OnEvent(adminevents.DigestReady), d.emailDigest)
	digestDiscord, err3 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "admin-digest-discord"},
		inngest.OnEvent(adminevents.DigestReady), d.postDigest)
	// The global failure handler: every run of the app that fails for good
	// ends up here. It excludes itself, so a failing handler cannot loop.
	onFailed, err4 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: FailureHandlerID},
		inngest.OnEventIf(inngest.FunctionFailedEvent, fmt.Sprintf("event.data.function_id != '%s-%s'", d.Client.AppID(), FailureHandlerID)),
		d.recordFailure)
	return []inngest.ServableFunction{digest, digestEmail, digestDiscord, onFailed}, errors.Join(err1, err2, err3, err4)
}

// buildDigest is admin-digest: four counts as parallel steps, then one
// app/admin-digest.ready event for every channel's function.
func (d Deps) buildDigest(ctx context.Context, in inngest.Input[adminevents.DigestRequestedData]) (adminevents.DigestReadyData, error) {
	count := func(id string, q func(ctx context.Context) (int64, error)) func(ctx context.Context) (int64, error) {
		return func(ctx context.Context) (int64, error) { return step.Run(ctx, id, q) }
	}
	// The four queries are independent: run them as parallel steps.
	n, err := step.Parallel(ctx,
		count("count-users", func(ctx context.Context) (int64, error) {
			n, err := d.Store.CountUsers(ctx)
			return int64(n), err
		}),
		count("count-open-tickets", func(ctx context.Context) (int64, error) {
			n, err := d.Store.CountTickets(ctx, store.TicketOpen)
			return int64(n), err
		}),
		count("count-assigned-tickets", func(ctx context.Context) (int64, error) {
			n, err := d.Store.CountTickets(ctx, store.TicketAssigned)
			return int64(n), err
		}),
		count("sum-revenue", d.Store.Revenue),
	)
	if err != nil {
		return adminevents.DigestReadyData{}, err
	}
	ready := adminevents.DigestReadyData{DigestID: in.RunID, Users: int(n[0]), OpenTickets: int(n[1]), Assigned: int(n[2]), RevenueCents: n[3]}
	// Fan out: one event, as many consumers as there are channels.
	_, err = step.SendEvent(ctx, "fan-out-digest", adminevents.DigestReady.New(ready))
	return ready, err
}

// emailDigest is admin-digest-email: the digest, e-mailed to every admin.
func (d Deps) emailDigest(ctx context.Context, in inngest.Input[adminevents.DigestReadyData]) (int, error) {
	admins, err := step.Run(ctx, "load-admins", func(ctx context.Context) ([]store.User, error) {
		return d.Store.UsersByRole(ctx, store.RoleAdmin)
	})
	if err != nil || len(admins) == 0 {
		return 0, err
	}
	var evs []events.Sendable
	for _, a := range admins {
		evs = append(evs, notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
			UserID: a.ID, To: a.Email, Template: "admin-digest", Ref: in.Event.Data.DigestID,
			Subject: "Ticket Bounty daily digest", Body: digestText(in.Event.Data),
		}))
	}
	_, err = step.SendEvent(ctx, "email-admins", evs...)
	return len(admins), err
}

// postDigest is admin-digest-discord: the digest, posted to #admin.
func (d Deps) postDigest(ctx context.Context, in inngest.Input[adminevents.DigestReadyData]) (string, error) {
	return step.Run(ctx, "post-to-discord", func(ctx context.Context) (string, error) {
		return d.Discord.Post(ctx, ChannelAdmin, digestText(in.Event.Data), in.Event.Data.DigestID)
	})
}

// recordFailure is on-function-failed: it stores the failure and alerts
// #alerts.
func (d Deps) recordFailure(ctx context.Context, in inngest.Input[inngest.FunctionFailed]) (string, error) {
	f := in.Event.Data
	inngest.Logger(ctx).Warn("function failed", "function", f.FunctionID, "run", f.RunID, "error", f.Error.Message)
	_, err := step.Run(ctx, "record-failure", func(ctx context.Context) (bool, error) {
		return true, d.Store.RecordFailure(ctx, store.Failure{RunID: f.RunID, FunctionID: f.FunctionID, EventName: f.Event.Name, Error: f.Error.Message})
	})
	if err != nil {
		return "", err
	}
	return step.Run(ctx, "alert-discord", func(ctx context.Context) (string, error) {
		return d.Discord.Post(ctx, ChannelAlerts, fmt.Sprintf("🚨 %s failed (run %s): %s", f.FunctionID, f.RunID, f.Error.Message), f.RunID)
	})
}

// digestText renders the digest for humans.
func digestText(d adminevents.DigestReadyData) string {
	return fmt.Sprintf("%d users, %d open tickets, %d assigned, $%d.%02d revenue",
		d.Users, d.OpenTickets, d.Assigned, d.RevenueCents/100, d.RevenueCents%100)
}
