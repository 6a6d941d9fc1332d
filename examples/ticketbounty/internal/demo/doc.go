// Package demo is ticket-bounty's scripted tour: it drives the running
// service through its HTTP API only (sign up, reset a password, verify,
// create tickets, comment, pay, ask for a digest), fast-forwards the engine's
// clock over the long waits, prints every run's progress as the engine
// reports it, and checks each workflow's outcome in the database.
package demo
