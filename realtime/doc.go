// Package realtime streams a run's progress to Go services and browsers over
// the Inngest server's Realtime API: typed channels and topics, durable and
// plain publishing, streams of chunks, subscription tokens, WebSocket and SSE
// subscribers, and two http.Handlers for the service in front of a browser.
//
// # Topics and channels
//
// A Topic binds a topic name to the Go type of its messages once, in the
// style of events.Define; Topic.On(channel) addresses it in a channel (any
// name: "ticket:42", a run id). Messages are validated against the type's
// JSON Schema when published and when received (WithoutValidation turns it
// off).
//
//	var Stage = realtime.Define[StageData]("stage")
//	ref := Stage.On("ticket:" + id)
//
// # Publishing
//
// PublishStep publishes from inside a function as a durable step (a
// step.Run): it is sent once per run, and a replay or retry of the function
// returns the recorded value without sending it again. Publish (and
// Client.PublishRaw) is a plain call from anywhere; inside a function it is
// sent on every call of the function, so use it only where repeats do not
// matter. Client.Stream publishes a reader as one stream (the server's
// datastream-start, chunks of 1024 bytes, datastream-end). The server takes
// at most MaxMessageSize (512 KiB) per publish; larger bodies are refused
// here with ErrTooLarge.
//
// # Tokens and subscribing
//
// Client.Token mints a subscription token through POST /v1/realtime/token
// (the signing key, the fallback key on 401); the server scopes it to the
// channel and topics asked for and makes it valid for 60 seconds to connect
// with (an open subscription outlives it). Client.Subscribe and the typed
// Subscribe read over WebSocket (default) or SSE:
//
//	sub, err := realtime.Subscribe(ctx, rt, ref, realtime.SubscribeOptions{})
//	defer sub.Close()
//	for msg, err := range sub.Messages(ctx) {
//		if errors.Is(err, realtime.ErrGap) { continue } // reconnected, some messages were missed
//		...
//	}
//
// Reconnects: a dropped connection is reopened (with a fresh token unless one
// was given) up to SubscribeOptions.MaxReconnects times in a row, and
// Messages yields ErrGap once: the server keeps no backlog, so what was
// published while the subscription was away is lost, and a stream cut by the
// drop is not resumed. Cancelling ctx or calling Close ends Messages without
// an error.
//
// # Handlers
//
// Client.SSEHandler relays a subscription to a browser as server-sent events
// (the Go service subscribes; the browser needs only EventSource).
// Client.TokenHandler hands a browser a token ({"key","channel","topics"},
// what the JavaScript SDK's subscribe takes) to subscribe to the server
// directly. Both ask a Resolver which channel and topics the request may read.
//
// Every URL comes from the inngest.Client (its API base URL): the dev
// server, a self-hosted server, the embedded engine or Inngest Cloud.
package realtime
