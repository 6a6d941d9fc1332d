package memstore_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore/storetest"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
)

// TestStoreConformance runs the store conformance suite against the memory
// store (a reopen is the same store).
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	open := func(*testing.T) (enginestore.Store, func() enginestore.Store) {
		st := memstore.New()
		return st, func() enginestore.Store { return st }
	}
	storetest.Run(t, open)
	storetest.RunPruner(t, open)
}
