package realtime

import "errors"

// Errors returned by this package; match them with errors.Is.
var (
	// ErrInvalidTopic: a topic or channel name is empty or too long.
	ErrInvalidTopic = errors.New("inngest: invalid realtime topic")
	// ErrTooLarge: a message is larger than MaxMessageSize.
	ErrTooLarge = errors.New("inngest: realtime message too large")
	// ErrInvalidMessage: a frame from the server is not a realtime message.
	ErrInvalidMessage = errors.New("inngest: invalid realtime message")
	// ErrInvalidToken: a subscription token is malformed.
	ErrInvalidToken = errors.New("inngest: invalid realtime token")
	// ErrGap is yielded by Messages after a reconnect: messages published
	// while the subscription was disconnected were not delivered and never
	// will be (the server keeps no backlog).
	ErrGap = errors.New("inngest: realtime subscription reconnected; messages published meanwhile were missed")
	// ErrClosed: the subscription was closed.
	ErrClosed = errors.New("inngest: realtime subscription closed")
)
