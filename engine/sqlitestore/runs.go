package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// SaveRun implements enginestore.Store. Like memstore.Store, the run's triggering
// event IDs are indexed when the run is first saved; a run keeps its place in
// Runs when it is replaced.
//
// The run's header (encodeHeader) replaces runs.state; of its memo, step
// records and history only the entries that changed since the last save are
// written, one run_items row each (see runCache for how the store knows
// what its rows hold). Appending a step to a run therefore writes about the
// same bytes whatever the run's length.
func (s *queries) SaveRun(ctx context.Context, run *enginestore.RunRecord) error {
	p := s.pend
	own := p == nil
	if own {
		p = s.cache.begin()
	}
	err := s.tx(ctx, func(tx querier) error {
		err := s.saveRun(ctx, tx, p, run)
		if err != nil {
			p.set(run.ID, nil)
		}
		return err
	})
	if own {
		p.finish(err == nil)
	}
	return err
}

func (s *queries) saveRun(ctx context.Context, tx querier, p *pending, run *enginestore.RunRecord) error {
	header := encodeHeader(nil, run)
	fixed := runFixed{run.AppID, run.FunctionID, run.ParentRunID, run.Status, run.StartedAt, run.EndedAt}
	it := p.items(run.ID)
	if it != nil && it.fixed == fixed {
		// The run's row exists (the cache knows it) and only its state
		// changed: an indexed column set, even to the value it has, costs
		// a write of its index's page.
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, format = ? WHERE id = ?`, header, runFormat, run.ID); err != nil {
			return err
		}
	} else {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET app_id = ?, function_id = ?, status = ?, started_at = ?, ended_at = ?,
	parent_run_id = ?, state = ?, format = ? WHERE id = ?`,
			run.AppID, run.FunctionID, string(run.Status), encodeTime(run.StartedAt), encodeTime(run.EndedAt),
			run.ParentRunID, header, runFormat, run.ID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		switch {
		case n == 0:
			if err := s.insertRun(ctx, tx, run, header); err != nil {
				return err
			}
			it = &storedItems{}
		case it == nil:
			// Unknown to the cache (or a run of runFormatGob, which has
			// no rows): compare with the rows.
			if it, err = loadItems(ctx, tx, run.ID); err != nil {
				return err
			}
		}
	}
	it.size += len(header) - len(it.header)
	it.fixed, it.header = fixed, header
	w := itemWriter{runID: run.ID}
	w.diff(run, it)
	if err := w.write(ctx, tx); err != nil {
		return err
	}
	p.set(run.ID, it)
	return nil
}

// runFixed are the columns of a run's row but its state: they seldom change.
type runFixed struct {
	appID, functionID, parentRunID string
	status                         runtype.Status
	startedAt, endedAt             time.Time
}

// insertRun adds a run's row and its event index.
func (s *queries) insertRun(ctx context.Context, tx querier, run *enginestore.RunRecord, header []byte) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, app_id, function_id, status, started_at, ended_at, parent_run_id, state, format)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.AppID, run.FunctionID, string(run.Status), encodeTime(run.StartedAt), encodeTime(run.EndedAt),
		run.ParentRunID, header, runFormat); err != nil {
		return err
	}
	for _, id := range run.EventIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_events (event_id, run_id) VALUES (?, ?)`, id, run.ID); err != nil {
			return err
		}
	}
	return nil
}

// The reads return a run's header row then its run_items rows, in one
// statement so that they are one snapshot: o (the order of runs), run_id,
// seq (-1 for the header row), kind (the format for the header), step_id,
// data (the header's state), and whether data is NULL (the driver reads a
// zero-length BLOB as nil, as NULL: an empty raw value is told apart by it).
const (
	runQuery = `SELECT 0, id, -1, format, '', state, 0 FROM runs WHERE id = ?1
UNION ALL SELECT 0, run_id, seq, kind, step_id, data, data IS NULL FROM run_items WHERE run_id = ?1
ORDER BY 3`
	runsQuery = `SELECT seq, id, -1, format, '', state, 0 FROM runs
UNION ALL SELECT r.seq, i.run_id, i.seq, i.kind, i.step_id, i.data, i.data IS NULL FROM run_items i JOIN runs r ON r.id = i.run_id
ORDER BY 1, 3`
	runsForEventQuery = `SELECT e.seq, r.id, -1, r.format, '', r.state, 0 FROM run_events e JOIN runs r ON r.id = e.run_id WHERE e.event_id = ?1
UNION ALL SELECT e.seq, i.run_id, i.seq, i.kind, i.step_id, i.data, i.data IS NULL FROM run_events e JOIN run_items i ON i.run_id = e.run_id WHERE e.event_id = ?1
ORDER BY 1, 3`
)

// Run implements enginestore.Store. A run the store knows it saved last (see
// runCache) is decoded from memory; others are read.
func (s *queries) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	if r := s.cachedRun(id); r != nil {
		return r, nil
	}
	runs, err := s.queryRuns(ctx, runQuery, id)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, enginestore.ErrNotFound
	}
	return runs[0], nil
}

// cachedRun returns the run as this store last saved it, from the cache
// (and the transaction's own saves), or nil when it is not there. The run
// is a copy: the caller may edit it.
func (s *queries) cachedRun(id string) *enginestore.RunRecord {
	var r *enginestore.RunRecord
	copyRun := func(it *storedItems) {
		h, err := decodeHeader(it.header)
		if err != nil {
			return
		}
		h.Memo, h.Steps, h.History = cloneList(it.memo), cloneList(it.steps), cloneList(it.hist)
		for i := range h.Steps {
			st := &h.Steps[i]
			st.Error, st.LastError = cloneStepError(st.Error), cloneStepError(st.LastError)
		}
		r = h
	}
	if s.pend != nil {
		if it, ok := s.pend.runs[id]; ok {
			if it != nil {
				copyRun(it)
			}
			return r
		}
	}
	s.cache.committed(id, copyRun)
	return r
}

func cloneList[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func cloneStepError(e *runtype.StepError) *runtype.StepError {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// Runs implements enginestore.Store.
func (s *queries) Runs(ctx context.Context) ([]*enginestore.RunRecord, error) {
	return s.queryRuns(ctx, runsQuery)
}

// RunsForEvent implements enginestore.Store.
func (s *queries) RunsForEvent(ctx context.Context, eventID string) ([]*enginestore.RunRecord, error) {
	return s.queryRuns(ctx, runsForEventQuery, eventID)
}

func (s *queries) queryRuns(ctx context.Context, query string, args ...any) ([]*enginestore.RunRecord, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []*enginestore.RunRecord{}
	var cur *enginestore.RunRecord
	var b *itemsBuilder // nil for a run of runFormatGob
	flush := func() error {
		if b == nil {
			return nil
		}
		it, err := b.finish()
		if err != nil {
			return runError(s.path, cur.ID, err)
		}
		cur.Memo, cur.Steps, cur.History = it.memo, it.steps, it.hist
		return nil
	}
	for rows.Next() {
		var o, seq int64
		var id, stepID string
		var kind int
		var data sql.RawBytes
		var null bool
		if err := rows.Scan(&o, &id, &seq, &kind, &stepID, &data, &null); err != nil {
			return nil, wrap(err)
		}
		if seq < 0 {
			if err := flush(); err != nil {
				return nil, err
			}
			r, err := decodeRun(s.path, id, kind, data)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			cur, b = r, nil
			if kind == runFormatItems {
				b = &itemsBuilder{}
			}
			continue
		}
		if b == nil || id != cur.ID {
			continue // rows of a run of runFormatGob, which does not use them
		}
		if err := b.add(seq, kind, stepID, data, null); err != nil {
			return nil, runError(s.path, id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeRun reads a runs row's state in format.
func decodeRun(path, id string, format int, b []byte) (*enginestore.RunRecord, error) {
	var r *enginestore.RunRecord
	var err error
	switch format {
	case runFormatGob:
		r, err = decodeGob(b)
	case runFormatItems:
		r, err = decodeHeader(b)
	default:
		if format > runFormat {
			return nil, &VersionError{Path: path, What: "run " + id + " encoding", Found: format, Supported: runFormat}
		}
		err = errCorrupt
	}
	if err != nil {
		return nil, runError(path, id, err)
	}
	return r, nil
}

// runError says which run could not be decoded.
func runError(path, id string, err error) error {
	return fmt.Errorf("%w (%s: run %s)", err, path, id)
}
