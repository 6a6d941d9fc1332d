// Package store is ticket-bounty's data layer: users, tickets, comments,
// charges, the outbox of sent e-mails and Discord messages, and recorded
// failures, in one SQLite file (modernc.org/sqlite, pure Go).
//
// Functions write here from inside steps, so a reader of the demo can open
// the file and see exactly what each workflow did.
package store
