package engine_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/storetest"
)

// TestMemoryStoreConformance runs the store conformance suite against the
// MemoryStore (a reopen is the same store).
func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	open := func(*testing.T) (engine.Store, func() engine.Store) {
		st := engine.NewMemoryStore()
		return st, func() engine.Store { return st }
	}
	storetest.Run(t, open)
	storetest.RunPruner(t, open)
}
