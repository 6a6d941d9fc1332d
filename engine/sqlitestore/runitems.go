package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// Kinds of run_items rows.
const (
	itemMemo    = 0 // a memoized step result: step_id, data = the raw value
	itemStep    = 1 // a step record: step_id, data = encodeStep
	itemHistory = 2 // a history item: step_id, data = encodeHistory
)

// storedItems is what a run's run_items rows hold, in order, with the seq
// of each row. seqs are allocated from one counter per run, for every kind:
// the rows a save adds all go at the end of the run's range of the table,
// usually into one page. A memo entry or history item keeps its row until
// it leaves the run's list (trimming a list deletes rows and rewrites
// none); a step record keeps its row and the row is replaced when the record
// changes.
type storedItems struct {
	memo    []enginestore.MemoEntry
	memoSeq []int64
	steps   []runtype.Step
	stepSeq []int64
	hist    []runtype.HistoryItem
	histSeq []int64
	// next is the seq of the next row added (above every row's seq).
	next int64
	// header is the run's state column as saved (encodeHeader).
	header []byte
	// fixed are the run's columns but its state, as saved.
	fixed runFixed
	// done reports that the run was saved finished.
	done bool
	// size estimates the bytes the entry holds: its header and the data of
	// the rows written since it was read (rows replaced or deleted still
	// count).
	size int
}

// memoValue returns the first memoized value of step id (nil when none):
// the first, so that appending entries never changes it.
func memoValue(memo []enginestore.MemoEntry, id string) json.RawMessage {
	for i := range memo {
		if memo[i].ID == id {
			return memo[i].Value
		}
	}
	return nil
}

// loadItems reads a run's rows.
func loadItems(ctx context.Context, q querier, runID string) (*storedItems, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, step_id, data, data IS NULL FROM run_items WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var b itemsBuilder
	for rows.Next() {
		var kind int
		var seq int64
		var stepID string
		var data sql.RawBytes
		var null bool
		if err := rows.Scan(&seq, &kind, &stepID, &data, &null); err != nil {
			return nil, err
		}
		if err := b.add(seq, kind, stepID, data, null); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return b.finish()
}

// itemsBuilder decodes a run's rows, in seq order, into storedItems.
type itemsBuilder struct {
	it storedItems
	// fromMemo are the indexes of the step records whose result is their
	// memoized value, filled in by finish (the memo row may come later).
	fromMemo []int
}

// add decodes one row; null reports that its data is NULL (data is nil for
// an empty BLOB too).
func (b *itemsBuilder) add(seq int64, kind int, stepID string, data []byte, null bool) error {
	it := &b.it
	switch kind {
	case itemMemo:
		var v json.RawMessage
		if !null {
			v = bytes.Clone(data)
			if v == nil {
				v = json.RawMessage{}
			}
		}
		it.memo = append(it.memo, enginestore.MemoEntry{ID: stepID, Value: v})
		it.memoSeq = append(it.memoSeq, seq)
	case itemStep:
		s, fromMemo, err := decodeStep(stepID, data)
		if err != nil {
			return err
		}
		if fromMemo {
			b.fromMemo = append(b.fromMemo, len(it.steps))
		}
		it.steps = append(it.steps, s)
		it.stepSeq = append(it.stepSeq, seq)
	case itemHistory:
		h, err := decodeHistory(stepID, data)
		if err != nil {
			return err
		}
		it.hist = append(it.hist, h)
		it.histSeq = append(it.histSeq, seq)
	default:
		return errCorrupt
	}
	it.next = seq + 1
	it.size += len(stepID) + len(data)
	return nil
}

// finish fills in the results kept in the memo and returns the items.
func (b *itemsBuilder) finish() (*storedItems, error) {
	it := &b.it
	if len(b.fromMemo) > 0 {
		memo := make(map[string]json.RawMessage, len(it.memo))
		for _, m := range it.memo {
			if _, ok := memo[m.ID]; !ok {
				memo[m.ID] = m.Value
			}
		}
		for _, i := range b.fromMemo {
			v, ok := memo[it.steps[i].ID]
			if !ok {
				return nil, errCorrupt
			}
			it.steps[i].Result = v
		}
	}
	return it, nil
}

// itemWriter collects the row changes of one save.
type itemWriter struct {
	runID string
	// dels are seq ranges (inclusive) of rows of one kind to delete.
	dels []itemRange
	// rows are rows to insert or replace: run_id, seq, kind, step_id, data.
	rows []any
	// buf holds the encoded data of rows; refs says which row argument
	// takes which bytes of it (filled in when writing: buf grows).
	buf  []byte
	refs []bufRef
}

type itemRange struct {
	kind     int
	from, to int64
}

type bufRef struct{ arg, from, to int }

func (w *itemWriter) del(kind int, from, to int64) {
	w.dels = append(w.dels, itemRange{kind, from, to})
}

// row adds a row whose data is the bytes appended to w.buf since start.
func (w *itemWriter) row(kind int, seq int64, stepID string, start int) {
	w.rows = append(w.rows, w.runID, seq, kind, stepID, nil)
	w.refs = append(w.refs, bufRef{len(w.rows) - 1, start, len(w.buf)})
}

// rawRow adds a row whose data is v as is.
func (w *itemWriter) rawRow(kind int, seq int64, stepID string, v []byte) {
	if v == nil {
		w.rows = append(w.rows, w.runID, seq, kind, stepID, nil)
		return
	}
	w.rows = append(w.rows, w.runID, seq, kind, stepID, v)
}

// diff compares run with what its rows hold (it, updated in place to what
// they will hold) and collects the changes.
func (w *itemWriter) diff(run *enginestore.RunRecord, it *storedItems) {
	memoStart, memoDeleted := diffSeq(w, itemMemo, &it.memo, &it.memoSeq, &it.next, run.Memo, memoEqual)
	for i := memoStart; i < len(run.Memo); i++ {
		w.rawRow(itemMemo, it.memoSeq[i], run.Memo[i].ID, run.Memo[i].Value)
	}
	// A step record whose result is its memoized value is stored as a
	// reference to it: when the memo lost entries, rewrite every record.
	steps := run.Steps
	for i := range steps {
		s := &steps[i]
		if i < len(it.steps) && !memoDeleted && stepEqual(&it.steps[i], s) {
			continue
		}
		c := *s
		c.Error, c.LastError = cloneStepError(s.Error), cloneStepError(s.LastError)
		if i < len(it.steps) {
			it.steps[i] = c
		} else {
			it.steps = append(it.steps, c)
			it.stepSeq = append(it.stepSeq, it.next)
			it.next++
		}
		start := len(w.buf)
		w.buf = encodeStep(w.buf, s, memoValue(run.Memo, s.ID))
		w.row(itemStep, it.stepSeq[i], s.ID, start)
	}
	if n := len(steps); len(it.steps) > n {
		w.del(itemStep, it.stepSeq[n], it.stepSeq[len(it.stepSeq)-1])
		it.steps, it.stepSeq = it.steps[:n], it.stepSeq[:n]
	}
	histStart, _ := diffSeq(w, itemHistory, &it.hist, &it.histSeq, &it.next, run.History, historyEqual)
	for i := histStart; i < len(run.History); i++ {
		start := len(w.buf)
		w.buf = encodeHistory(w.buf, &run.History[i])
		w.row(itemHistory, it.histSeq[i], run.History[i].StepID, start)
	}
	it.done = run.Status.Done()
	it.size += len(w.buf)
	for i := 3; i < len(w.rows); i += 5 {
		it.size += len(w.rows[i].(string))
		if v, ok := w.rows[i+1].([]byte); ok {
			it.size += len(v)
		}
	}
}

// diffSeq matches cur against the stored list (items with their row seqs)
// as the stored list with some entries removed and new ones appended: each
// entry of cur is looked up among the stored entries after the previous
// match; the stored entries skipped are deleted, and from the first entry of
// cur that has no match on, entries are new (their seqs are taken from
// *next). It sets *items and *seqs to the new list and returns the index of
// the first new entry, and whether rows were deleted. Appending only costs
// one comparison per stored entry.
func diffSeq[T any](w *itemWriter, kind int, items *[]T, seqs *[]int64, next *int64, cur []T, eq func(a, b *T) bool) (int, bool) {
	stored, ss := *items, *seqs
	j := 0
	first := len(cur)
	var keep []int64 // seqs of the kept entries, once some are deleted
	deleted := false
	startKeep := func(n int) {
		deleted = true
		keep = make([]int64, 0, len(cur))
		keep = append(keep, ss[:n]...)
	}
	for i := range cur {
		k := j
		for k < len(stored) && !eq(&stored[k], &cur[i]) {
			k++
		}
		if k == len(stored) {
			first = i
			break
		}
		if k > j {
			if !deleted {
				startKeep(j)
			}
			w.del(kind, ss[j], ss[k-1])
		}
		if deleted {
			keep = append(keep, ss[k])
		}
		j = k + 1
	}
	if j < len(stored) {
		if !deleted {
			startKeep(j)
		}
		w.del(kind, ss[j], ss[len(stored)-1])
	}
	if deleted {
		ss = keep
		stored = append(make([]T, 0, len(cur)), cur[:first]...)
	}
	for range cur[first:] {
		ss = append(ss, *next)
		*next++
	}
	stored = append(stored, cur[first:]...)
	*items, *seqs = stored, ss
	return first, deleted
}

func rawEqual(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func memoEqual(a, b *enginestore.MemoEntry) bool { return a.ID == b.ID && rawEqual(a.Value, b.Value) }

func historyEqual(a, b *runtype.HistoryItem) bool {
	if a.Kind != b.Kind || a.StepID != b.StepID || a.Status != b.Status || a.Detail != b.Detail ||
		a.Transport != b.Transport || a.ConnectionID != b.ConnectionID || a.InstanceID != b.InstanceID {
		return false
	}
	if (a.AI == nil) != (b.AI == nil) || a.AI != nil && *a.AI != *b.AI {
		return false
	}
	if a.Time == b.Time {
		return true
	}
	// What is stored of a time is its instant and zone offset.
	_, oa := a.Time.Zone()
	_, ob := b.Time.Zone()
	return a.Time.Equal(b.Time) && oa == ob
}

func stepErrorEqual(a, b *runtype.StepError) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && a.Message == b.Message && a.Stack == b.Stack && rawEqual(a.Data, b.Data)
}

func stepEqual(a, b *runtype.Step) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Op == b.Op && a.Attempts == b.Attempts && a.Done == b.Done &&
		rawEqual(a.Result, b.Result) && stepErrorEqual(a.Error, b.Error) && stepErrorEqual(a.LastError, b.LastError)
}

// maxRowsPerInsert bounds the rows of one INSERT (5 parameters each).
const maxRowsPerInsert = 100

// write runs the collected deletes and inserts: deletes first, so that an
// appended entry may take the seq of a deleted one.
func (w *itemWriter) write(ctx context.Context, tx querier) error {
	for _, d := range w.dels {
		if _, err := tx.ExecContext(ctx, `DELETE FROM run_items WHERE run_id = ? AND seq BETWEEN ? AND ? AND kind = ?`,
			w.runID, d.from, d.to, d.kind); err != nil {
			return err
		}
	}
	for _, r := range w.refs {
		w.rows[r.arg] = w.buf[r.from:r.to]
	}
	const cols = 5
	for len(w.rows) > 0 {
		n := min(len(w.rows)/cols, maxRowsPerInsert)
		var q strings.Builder
		q.WriteString(`INSERT OR REPLACE INTO run_items (run_id, seq, kind, step_id, data) VALUES (?, ?, ?, ?, ?)`)
		for range n - 1 {
			q.WriteString(`, (?, ?, ?, ?, ?)`)
		}
		if _, err := tx.ExecContext(ctx, q.String(), w.rows[:n*cols]...); err != nil {
			return err
		}
		w.rows = w.rows[n*cols:]
	}
	return nil
}
