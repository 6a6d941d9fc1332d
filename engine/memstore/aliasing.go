package memstore

import (
	"fmt"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// remember records run's encoding; m.mu is held.
func (m *Store) remember(run *enginestore.RunRecord) {
	if !m.checkAliasing {
		return
	}
	if m.prints == nil {
		m.prints = map[string]string{}
	}
	m.prints[run.ID] = runPrint(run)
}

// checkUnchanged panics when stored run r differs from its encoding when
// stored; m.mu is held.
func (m *Store) checkUnchanged(r *enginestore.RunRecord) {
	if !m.checkAliasing || r == nil {
		return
	}
	if was, ok := m.prints[r.ID]; ok && was != runPrint(r) {
		panic(fmt.Sprintf("inngest: stored run %s was modified after it was saved:\nsaved: %s\nnow:   %s", r.ID, was, runPrint(r)))
	}
}

func runPrint(r *enginestore.RunRecord) string {
	b, err := jsoncodec.Marshal(r)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}
