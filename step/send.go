package step

import (
	"bytes"
	"context"
	"errors"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// SendEvent sends events durably, as a step, with the client that serves the
// function: the send happens once and the ids are
// recorded, so a retry of the function does not send them again. The event ids are
// derived from the run and the step (the X-Inngest-Event-Id-Seed header), so a
// retry of a send that failed midway (the server got the events, the step did not
// see the answer) yields the same ids, and the server drops the copies.
func SendEvent(ctx context.Context, id string, evs ...events.Sendable) ([]string, error) {
	ids, err := run(ctx, id, "step.sendEvent", func(ctx context.Context) (sentIDs, error) {
		sender := exec.SenderFrom(ctx)
		if sender == nil {
			return nil, errors.New("inngest: no client to send events with")
		}
		return sender.Send(exec.WithEventIDSeed(ctx), evs...)
	})
	return []string(ids), err
}

// sentIDs is the recorded result of SendEvent. It is written as a JSON array
// of ids and read from every shape another SDK records for its send step: an
// array of ids (inngestgo's SendMany), one id string (inngestgo's step.Send)
// or {"ids": […]} (the JavaScript SDK's step.sendEvent).
type sentIDs []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *sentIDs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = nil
		return nil
	case b[0] == '"':
		var one string
		if err := jsoncodec.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = sentIDs{one}
		return nil
	case b[0] == '{':
		var obj struct {
			IDs []string `json:"ids"`
		}
		if err := jsoncodec.Unmarshal(b, &obj); err != nil {
			return err
		}
		*s = obj.IDs
		return nil
	}
	var many []string
	if err := jsoncodec.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}
