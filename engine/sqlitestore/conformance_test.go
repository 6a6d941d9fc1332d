package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore/storetest"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

// t0 is the base time of the fixtures (UTC, with nanoseconds), the time
// storetest.FullRun starts its runs at.
var t0 = time.Date(2026, 11, 26, 20, 58, 0, 123456789, time.UTC)

var ctx = context.Background()

// fullRun is a run with every field set (see storetest.FullRun).
func fullRun(id string, eventIDs ...string) *enginestore.RunRecord {
	return storetest.FullRun(id, eventIDs...)
}

// openStore opens a new store in a temporary file and returns a function
// that closes and reopens it.
func openStore(t *testing.T) (enginestore.Store, func() enginestore.Store) {
	path := filepath.Join(t.TempDir(), "engine.db")
	st, err := sqlitestore.Open(path)
	require.NoError(t, err)
	cur := st
	t.Cleanup(func() { _ = cur.Close() })
	return st, func() enginestore.Store {
		require.NoError(t, cur.Close())
		next, err := sqlitestore.Open(path)
		require.NoError(t, err)
		cur = next
		return next
	}
}

// TestConformance runs the store conformance suite against the SQLite
// store, checking what it stored before and after a close and reopen.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openStore)
	storetest.RunPruner(t, openStore)
}
