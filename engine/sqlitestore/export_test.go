package sqlitestore

import (
	"context"
	"fmt"
	"os"
)

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

// StopCheckpoints empties the write-ahead log and stops checkpointing it, so
// that WALFrames counts every page written from then on.
func (s *Store) StopCheckpoints(ctx context.Context) error {
	if _, err := s.w.single(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return err
	}
	var busy, log, done int
	if err := s.w.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		return err
	}
	if busy != 0 || log != 0 {
		return fmt.Errorf("checkpoint: busy %d, %d frames left", busy, log)
	}
	return nil
}

// WALFrames returns the pages in the write-ahead log.
func (s *Store) WALFrames(ctx context.Context) (int64, error) {
	var pageSize int64
	if err := s.rp.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return 0, err
	}
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		return 0, err
	}
	const walHeader, frameHeader = 32, 24
	return (fi.Size() - walHeader) / (pageSize + frameHeader), nil
}
