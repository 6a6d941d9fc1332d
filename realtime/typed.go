package realtime

import (
	"context"
	"iter"
)

// TypedMessage is a message of a typed topic: Value is the decoded data of a
// data message (zero for the stream kinds, whose text is Message.Chunk).
type TypedMessage[T any] struct {
	Message
	Value T
}

// TypedSubscription is a Subscription to one typed topic.
type TypedSubscription[T any] struct {
	*Subscription
	ref Ref[T]
}

// Subscribe subscribes to ref and decodes its messages into T (validating
// them against T's schema unless the topic's validation is off). See
// Client.Subscribe for the options and Subscription for reconnects.
func Subscribe[T any](ctx context.Context, c *Client, ref Ref[T], o SubscribeOptions) (*TypedSubscription[T], error) {
	if err := ref.check(); err != nil {
		return nil, err
	}
	s, err := c.Subscribe(ctx, ref.channel, []string{ref.topic.name}, o)
	if err != nil {
		return nil, err
	}
	return &TypedSubscription[T]{Subscription: s, ref: ref}, nil
}

// Messages yields the topic's messages; see Subscription.Messages. A data
// message that does not decode into T (or fails its schema) yields the
// message with the error and goes on. Messages of other channels or topics
// (none arrive unless the server misroutes) are skipped.
func (s *TypedSubscription[T]) Messages(ctx context.Context) iter.Seq2[TypedMessage[T], error] {
	return func(yield func(TypedMessage[T], error) bool) {
		for m, err := range s.Subscription.Messages(ctx) {
			if err != nil {
				if !yield(TypedMessage[T]{Message: m}, err) {
					return
				}
				continue
			}
			if m.Kind != KindChunk && (m.Channel != s.ref.channel || m.Topic != s.ref.topic.name) {
				continue
			}
			tm := TypedMessage[T]{Message: m}
			if m.Kind == KindData {
				v, derr := s.ref.topic.decode(m.Data)
				tm.Value = v
				if derr != nil {
					if !yield(tm, derr) {
						return
					}
					continue
				}
			}
			if !yield(tm, nil) {
				return
			}
		}
	}
}
