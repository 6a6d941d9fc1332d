// Package handlers holds the admin domain's HTTP routes: trigger a digest
// now, and read the outbox and the recorded failures.
package handlers
