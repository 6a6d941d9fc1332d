// Package connectgw is a Connect gateway for the embedded engine: Connect
// workers (the connect package, or any official SDK's Connect worker) open a
// WebSocket to it instead of serving HTTP, and the engine's calls to their
// apps travel over that socket.
//
// It is written from the open-source server's gateway and behaves like it:
// POST /v0/connect/start hands out a session; the socket speaks
// GATEWAY_HELLO → WORKER_CONNECT (the apps sync as with /fn/register) →
// GATEWAY_CONNECTION_READY; heartbeats go both ways and a worker that misses
// MissedHeartbeats of them is dropped; each call is leased, forwarded
// (GATEWAY_EXECUTOR_REQUEST), acked (WORKER_REQUEST_ACK), kept alive by the
// worker's lease extensions and answered (WORKER_REPLY → WORKER_REPLY_ACK, or
// POST /v0/connect/flush); a lease that is not extended expires and the call
// fails, so that the engine retries it on a healthy connection; WORKER_PAUSE
// stops routing to a connection, GATEWAY_CLOSING (Drain) asks workers to
// reconnect.
//
//	eng, _ := engine.New(engine.Options{})
//	gw := connectgw.New(eng, connectgw.Options{})
//	mux := http.NewServeMux()
//	mux.Handle("/v0/connect", gw.Handler())
//	mux.Handle("/v0/connect/", gw.Handler())
//	mux.Handle("/", eng.Handler())
package connectgw
