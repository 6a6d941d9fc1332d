package engine

import (
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// ErrRunCursor is returned by ListRuns for a cursor that no RunPage gave
// (or a query with both Before and After); errors.Is also matches
// enginestore.ErrCursor.
var ErrRunCursor = fmt.Errorf("inngest: list runs: %w", enginestore.ErrCursor)

// RunPage is one page of ListRuns.
type RunPage struct {
	// Runs are snapshots of the page's runs, newest first.
	Runs []runtype.Run
	// Older is the cursor (enginestore.RunQuery.Before) of the next page of
	// older runs; "" when there is none.
	Older string
	// Newer is the cursor (enginestore.RunQuery.After) of the page of newer
	// runs; "" when there is none.
	Newer string
}

// ListRuns returns one page of the runs q selects, newest first, read from
// the Store a page at a time (enginestore.Store.ListRuns): what Runs gives
// all at once. A cursor no page gave is ErrRunCursor; other failures are
// the Store's errors.
func (e *Engine) ListRuns(q enginestore.RunQuery) (RunPage, error) {
	p, err := e.base.ListRuns(e.ctx, q)
	switch {
	case errors.Is(err, enginestore.ErrCursor):
		return RunPage{}, ErrRunCursor
	case err != nil:
		return RunPage{}, fmt.Errorf("inngest: list runs: %w", err)
	}
	return RunPage{Runs: runsOf(p.Runs), Older: p.Older, Newer: p.Newer}, nil
}
