package step

import (
	"context"
	"errors"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
)

// Sender sends events; *inngest.Client implements it.
type Sender interface {
	Send(ctx context.Context, evs ...events.Sendable) ([]string, error)
}

// SendEvent sends events durably, as a step: the send happens once and the ids are
// recorded, so a retry of the function does not send them again. The event ids are
// derived from the run and the step (the X-Inngest-Event-Id-Seed header), so a
// retry of a send that failed midway (the server got the events, the step did not
// see the answer) yields the same ids, and the server drops the copies.
func SendEvent(ctx context.Context, id string, evs ...events.Sendable) ([]string, error) {
	return run(ctx, id, "step.sendEvent", func(ctx context.Context) ([]string, error) {
		sender, ok := exec.SenderFrom(ctx).(Sender)
		if !ok {
			return nil, errors.New("inngest: no client to send events with")
		}
		return sender.Send(exec.WithEventIDSeed(ctx), evs...)
	})
}
