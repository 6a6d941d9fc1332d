package sqlitestore

// Counts is what a Store has run since it was opened.
type Counts struct {
	// Writes are the statements run on the writing connection (BEGIN,
	// COMMIT and ROLLBACK excluded), Reads those run on the readers.
	Writes, Reads int64
	// Txs are the transactions begun, Prepares the statements prepared.
	Txs, Prepares int64
}

// Counts returns what s has run so far.
func (s *Store) Counts() Counts {
	return Counts{Writes: s.n.writes.Load(), Reads: s.n.reads.Load(), Txs: s.n.txs.Load(), Prepares: s.n.prepares.Load()}
}
