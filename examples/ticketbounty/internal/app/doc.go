// Package app wires ticket-bounty together: the SQLite store, the local
// providers, the Inngest client, every feature's functions, and the chi
// router with the API routes and /api/inngest. Runtime (runtime.go) then
// serves it, on the embedded engine or against a real Inngest dev server.
package app
