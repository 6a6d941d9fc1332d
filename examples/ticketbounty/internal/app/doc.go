// Package app builds ticket-bounty: the SQLite store, the local providers,
// the Inngest client, every feature's functions, and the chi router with the
// API routes and the /api/inngest handler. It does not choose or start an
// Inngest server: the main program does (the embedded engine, or a real
// server it syncs with).
package app
