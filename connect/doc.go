// Package connect runs an app's functions as a Connect worker: instead of
// serving /api/inngest and waiting to be called, the worker dials out to the
// Inngest Connect gateway over a WebSocket and receives its calls there. It
// suits long-lived workers with no public ingress (Kubernetes, a VM behind
// NAT) and saves the load balancer on the call path.
//
// A call runs through exactly the code a serve.Handler runs it with
// (memoization, checkpointing, use_api state, middleware, encryption): only
// the transport differs. The same inngest.Function values work unchanged:
//
//	w, err := connect.New(client, connect.Options{}, fns...)
//	if err != nil { ... }
//	err = w.Run(ctx) // until ctx is done, then a graceful drain
//
// The worker keeps working through failures: each acked request's lease is
// extended on the worker's own schedule whatever its handlers do; a dropped
// socket, missed heartbeats or a draining gateway lead to a reconnect with
// backoff and jitter while requests in flight keep running; a reply that
// cannot be delivered on a socket, or is not acknowledged, goes to the
// gateway's flush endpoint. When ctx is done the worker sends WORKER_PAUSE,
// lets requests in flight finish up to Options.ShutdownTimeout, delivers
// their replies and closes the socket cleanly; Close stops at once.
package connect
