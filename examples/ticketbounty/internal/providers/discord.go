package providers

import (
	"context"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Discord posts messages to channels.
type Discord interface {
	Post(ctx context.Context, channel, text, ref string) (string, error)
}

// OutboxDiscord "posts" by appending to the outbox.
type OutboxDiscord struct {
	Store *store.Store
}

// Post writes the message to the outbox.
func (o *OutboxDiscord) Post(ctx context.Context, channel, text, ref string) (string, error) {
	m, err := o.Store.AddMessage(ctx, store.Message{Channel: store.ChannelDiscord, Recipient: channel, Body: text, Ref: ref})
	return m.ID, err
}
