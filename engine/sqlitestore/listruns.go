package sqlitestore

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// ListRuns implements enginestore.Store. The page is read in two
// statements: the creation numbers (runs.seq, the integer primary key) of
// the matching runs from the cursor on, walking the primary key so that an
// unfiltered page reads only its own rows, then those runs with their
// run_items. A cursor is a runs.seq.
func (s *queries) ListRuns(ctx context.Context, q enginestore.RunQuery) (enginestore.RunPage, error) {
	before, after, err := q.Cursors()
	if err != nil {
		return enginestore.RunPage{}, err
	}
	where, args := runFilter(q)
	limit := q.PageLimit()
	var seqs []int64
	var more bool
	if q.After != "" {
		seqs, err = s.runSeqs(ctx, where+" AND seq > ? ORDER BY seq ASC", append(args, int64(after)), limit+1)
		slices.Reverse(seqs)
		if more = len(seqs) > limit; more {
			seqs = seqs[1:]
		}
	} else {
		cond := where
		qargs := args
		if q.Before != "" {
			cond += " AND seq < ?"
			qargs = append(slices.Clip(args), int64(before))
		}
		seqs, err = s.runSeqs(ctx, cond+" ORDER BY seq DESC", qargs, limit+1)
		if more = len(seqs) > limit; more {
			seqs = seqs[:limit]
		}
	}
	if err != nil {
		return enginestore.RunPage{}, err
	}
	out := enginestore.RunPage{Runs: []*enginestore.RunRecord{}}
	if len(seqs) == 0 {
		return out, nil
	}
	if out.Runs, err = s.runsBySeq(ctx, seqs); err != nil {
		return enginestore.RunPage{}, err
	}
	newest, oldest := seqs[0], seqs[len(seqs)-1]
	olderExists, newerExists := more, more
	if q.After != "" {
		olderExists, err = s.anyRun(ctx, where+" AND seq < ?", append(slices.Clip(args), oldest))
	} else {
		newerExists, err = s.anyRun(ctx, where+" AND seq > ?", append(slices.Clip(args), newest))
	}
	if err != nil {
		return enginestore.RunPage{}, err
	}
	if olderExists {
		out.Older = enginestore.EncodeCursor(uint64(oldest))
	}
	if newerExists {
		out.Newer = enginestore.EncodeCursor(uint64(newest))
	}
	return out, nil
}

// runFilter is the WHERE clause (without WHERE) of q's filters.
func runFilter(q enginestore.RunQuery) (string, []any) {
	where := []string{"1"}
	var args []any
	if q.FunctionID != "" {
		where, args = append(where, "function_id = ?"), append(args, q.FunctionID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if !q.StartedSince.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, encodeTime(q.StartedSince))
	}
	if q.ParentRunID != "" {
		// The literal condition lets the partial index runs_parent serve.
		where, args = append(where, "parent_run_id = ? AND parent_run_id != ''"), append(args, q.ParentRunID)
	}
	return strings.Join(where, " AND "), args
}

// runSeqs reads up to limit runs.seq of the runs matching cond (a WHERE
// clause with its ORDER BY).
func (s *queries) runSeqs(ctx context.Context, cond string, args []any, limit int) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT seq FROM runs WHERE "+cond+" LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, wrap(err)
		}
		out = append(out, n)
	}
	return out, wrap(rows.Err())
}

// anyRun reports whether a run matches cond.
func (s *queries) anyRun(ctx context.Context, cond string, args []any) (bool, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT 1 FROM runs WHERE "+cond+" LIMIT 1", args...)
	if err != nil {
		return false, wrap(err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, wrap(rows.Err())
}

// runsBySeq reads the runs numbered seqs (newest first), in that order.
func (s *queries) runsBySeq(ctx context.Context, seqs []int64) ([]*enginestore.RunRecord, error) {
	in := strings.Repeat(",?", len(seqs))[1:]
	args := make([]any, len(seqs))
	for i, n := range seqs {
		args[i] = n
	}
	query := `SELECT seq, id, -1, format, '', state, 0 FROM runs WHERE seq IN (` + in + `)
UNION ALL SELECT r.seq, i.run_id, i.seq, i.kind, i.step_id, i.data, i.data IS NULL FROM runs r JOIN run_items i ON i.run_id = r.id WHERE r.seq IN (` + in + `)
ORDER BY 1 DESC, 3`
	return s.queryRuns(ctx, query, append(args, args...)...)
}
