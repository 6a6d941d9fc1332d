// Package apptest starts the whole ticket-bounty app against the test kit
// (package inngesttest): the embedded engine on a virtual clock, the app's
// functions served and synced, its HTTP API on an httptest server, and a
// fresh SQLite file per test.
package apptest
