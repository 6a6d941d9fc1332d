package engine

import (
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// runState is the engine's working copy of a run: the stored record (what
// persists, including the scheduler's bookkeeping for the run) and what
// lives only as long as the call that handles it.
type runState struct {
	enginestore.RunRecord
	// errKind is the server's error string for the lifecycle event of the
	// failure being recorded when it is not Error.Name, e.g. "invalid status
	// code: 500". It lives only as long as the call that sets it; the store
	// does not keep it.
	errKind string
}

// snapshot returns the run as the engine's API hands it out: a copy sharing
// nothing the engine or its store might hold (but raw JSON values).
func (r *runState) snapshot() runtype.Run { return r.Run.Clone() }
