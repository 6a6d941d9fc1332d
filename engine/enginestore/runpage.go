package enginestore

import (
	"errors"
	"strconv"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"
)

// ErrCursor is returned by Store.ListRuns for a cursor it did not make, or
// for a query with both RunQuery.Before and RunQuery.After.
var ErrCursor = errors.New("inngest: invalid run cursor")

// DefaultRunPageLimit is the page size of a RunQuery whose Limit is zero or
// less.
const DefaultRunPageLimit = 50

// RunQuery selects a page of runs for Store.ListRuns. The zero value asks
// for the newest DefaultRunPageLimit runs.
type RunQuery struct {
	// FunctionID keeps only the runs of this composite function ID.
	// Default: "" (every function).
	FunctionID string
	// Status keeps only the runs in this status. Default: "" (any).
	Status runtype.Status
	// StartedSince keeps only the runs started at or after it. Default: the
	// zero time (any).
	StartedSince time.Time
	// ParentRunID keeps only the runs invoked by this run. Default: ""
	// (invoked or not).
	ParentRunID string
	// Before asks for the page of matching runs created before the run
	// this cursor (RunPage.Older) marks. Default: "" (the newest page).
	Before string
	// After asks for the page of matching runs created after the run this
	// cursor (RunPage.Newer) marks, the page nearest to it. Default: "".
	// At most one of Before and After may be set.
	After string
	// Limit is the most runs in the page. Default (zero or less):
	// DefaultRunPageLimit.
	Limit int
}

// PageLimit is q.Limit, or DefaultRunPageLimit when it is zero or less.
func (q RunQuery) PageLimit() int {
	if q.Limit <= 0 {
		return DefaultRunPageLimit
	}
	return q.Limit
}

// Matches reports whether run passes q's filters (the cursors and the
// limit aside).
func (q RunQuery) Matches(run *RunRecord) bool {
	return (q.FunctionID == "" || run.FunctionID == q.FunctionID) &&
		(q.Status == "" || run.Status == q.Status) &&
		(q.StartedSince.IsZero() || !run.StartedAt.Before(q.StartedSince)) &&
		(q.ParentRunID == "" || run.ParentRunID == q.ParentRunID)
}

// RunPage is one page of Store.ListRuns.
type RunPage struct {
	// Runs are the page's runs, newest first.
	Runs []*RunRecord
	// Older is the cursor to pass as RunQuery.Before for the next page of
	// older runs; "" when no older run matches.
	Older string
	// Newer is the cursor to pass as RunQuery.After for the page of newer
	// runs; "" when no newer run matches.
	Newer string
}

// EncodeCursor is a cursor for the run at position seq of a store's
// creation order (a number that grows with every new run): the stores of
// this module make their cursors with it and read them with DecodeCursor.
func EncodeCursor(seq uint64) string {
	return "r" + strconv.FormatUint(seq, 36)
}

// Cursors decodes the query's Before and After cursors (0 where empty);
// both set at once, or one that EncodeCursor did not make, is ErrCursor.
// Stores call it first in ListRuns.
func (q RunQuery) Cursors() (before, after uint64, err error) {
	if q.Before != "" && q.After != "" {
		return 0, 0, ErrCursor
	}
	if before, err = DecodeCursor(q.Before); err != nil {
		return 0, 0, err
	}
	if after, err = DecodeCursor(q.After); err != nil {
		return 0, 0, err
	}
	return before, after, nil
}

// DecodeCursor reads a cursor made by EncodeCursor; "" is position 0 and
// ok; anything else that EncodeCursor did not make is ErrCursor.
func DecodeCursor(c string) (uint64, error) {
	if c == "" {
		return 0, nil
	}
	if len(c) < 2 || c[0] != 'r' {
		return 0, ErrCursor
	}
	n, err := strconv.ParseUint(c[1:], 36, 64)
	if err != nil || n == 0 {
		return 0, ErrCursor
	}
	return n, nil
}
