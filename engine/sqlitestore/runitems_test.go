package sqlitestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

var itemsT0 = time.Date(2026, 11, 26, 20, 58, 0, 123456789, time.UTC)

// itemsRun is a run with no steps yet.
func itemsRun(id string) *enginestore.RunRecord {
	return &enginestore.RunRecord{Run: runtype.Run{
		ID: id, AppID: "app", FunctionID: "app-fn", Status: runtype.StatusRunning,
		EventIDs: []string{"e-" + id}, Events: []json.RawMessage{json.RawMessage(`{"id":"e"}`)},
		StartedAt: itemsT0, MaxAttempts: 4,
	}, Version: 2, Started: true}
}

// cloneRun copies the lists SaveRun compares, as the engine's run loaded
// again would be. An empty list reads back nil (as with gob before).
func cloneRun(r *enginestore.RunRecord) *enginestore.RunRecord {
	c := *r
	c.Memo = slices.Clip(slices.Clone(r.Memo))
	c.Steps = slices.Clip(slices.Clone(r.Steps))
	c.History = slices.Clip(slices.Clone(r.History))
	if len(c.Memo) == 0 {
		c.Memo = nil
	}
	if len(c.Steps) == 0 {
		c.Steps = nil
	}
	if len(c.History) == 0 {
		c.History = nil
	}
	return &c
}

func openItems(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "engine.db")
	st, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st, path
}

// requireStored checks that the run reads back as r from st and from a
// read-only store on the same file (which has no cache), and that its
// rows are one per memo entry, step record and history item.
func requireStored(t *testing.T, st *Store, r *enginestore.RunRecord, msg string) {
	t.Helper()
	ctx := context.Background()
	got, err := st.Run(ctx, r.ID)
	require.NoError(t, err, msg)
	require.Equal(t, r, got, msg)
	ro, err := OpenOptions(st.Path(), Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	got, err = ro.Run(ctx, r.ID)
	require.NoError(t, err, msg)
	require.Equal(t, r, got, msg)
	var n int
	require.NoError(t, st.rdb.QueryRow(`SELECT count(*) FROM run_items WHERE run_id = ?`, r.ID).Scan(&n))
	require.Equal(t, len(r.Memo)+len(r.Steps)+len(r.History), n, msg)
}

// A run saved after each step, as the engine does (the step's record first
// pending, then done with its result memoized), reads back identical, with
// one row per entry and a header that does not grow with the steps.
func TestARunSavedStepByStepReadsBackIdentical(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := openItems(t)
	r := itemsRun("r1")
	header := func() int {
		var b []byte
		require.NoError(t, st.rdb.QueryRow(`SELECT state FROM runs WHERE id = 'r1'`).Scan(&b))
		return len(b)
	}
	var header10 int
	for i := range 300 {
		id := fmt.Sprintf("%040x", i)
		r.Steps = append(r.Steps, runtype.Step{ID: id, Name: "s" + strconv.Itoa(i), Op: "StepPlanned"})
		r.History = append(r.History, runtype.HistoryItem{Time: itemsT0.Add(time.Duration(i) * time.Second), Kind: "call", StepID: id, Status: 206})
		r.Calls++
		require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
		v := json.RawMessage(fmt.Sprintf(`{"data":{"i":%d, "s":"<&>"}}`, i))
		s := &r.Steps[len(r.Steps)-1]
		s.Op, s.Attempts, s.Result, s.Done = "StepRun", 1, v, true
		if i%7 == 0 {
			s.LastError = &runtype.StepError{Name: "E", Message: "retried", Data: json.RawMessage(`{"x":1}`)}
			s.Attempts = 2
		}
		r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: v})
		r.History = append(r.History, runtype.HistoryItem{Time: itemsT0.Add(time.Duration(i) * time.Second), Kind: "step", StepID: id, Detail: "done"})
		require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
		if i == 10 {
			header10 = header()
		}
		if i%60 == 0 {
			requireStored(t, st, r, fmt.Sprint("step ", i))
		}
	}
	requireStored(t, st, r, "300 steps")
	require.LessOrEqual(t, header(), header10+4, "the header does not hold the steps")
	// After a reopen (no cache), the same, through every read.
	require.NoError(t, st.Close())
	st2, err := Open(path)
	require.NoError(t, err)
	defer st2.Close()
	requireStored(t, st2, r, "reopened")
	all, err := st2.Runs(ctx)
	require.NoError(t, err)
	require.Equal(t, []*enginestore.RunRecord{r}, all)
	byEv, err := st2.RunsForEvent(ctx, "e-r1")
	require.NoError(t, err)
	require.Equal(t, []*enginestore.RunRecord{r}, byEv)
}

// A transaction that saved a run and rolled back leaves no trace in what the
// store believes its rows hold: saving the same content again writes it.
func TestARolledBackSaveLeavesTheNextSaveCorrect(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"error", "panic"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, _ := openItems(t)
			r := itemsRun("r1")
			for i := range 3 {
				appendStep(r, i)
			}
			require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
			longer := cloneRun(r)
			appendStep(longer, 3)
			appendStep(longer, 4)
			func() {
				defer func() { _ = recover() }()
				err := st.Tx(ctx, func(s enginestore.Store) error {
					require.NoError(t, s.SaveRun(ctx, cloneRun(longer)))
					got, err := s.Run(ctx, "r1")
					require.NoError(t, err)
					require.Equal(t, longer, got, "the transaction sees its write")
					if how == "panic" {
						panic("boom")
					}
					return errors.New("boom")
				})
				require.Error(t, err)
			}()
			requireStored(t, st, r, "rolled back")
			require.NoError(t, st.SaveRun(ctx, cloneRun(longer)))
			requireStored(t, st, longer, "saved again after the rollback")
			// Two saves in one committed transaction.
			longest := cloneRun(longer)
			appendStep(longest, 5)
			require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error {
				if err := s.SaveRun(ctx, cloneRun(longer)); err != nil {
					return err
				}
				return s.SaveRun(ctx, cloneRun(longest))
			}))
			requireStored(t, st, longest, "two saves in one transaction")
		})
	}
}

// appendStep adds step i as the engine records a step that returned.
func appendStep(r *enginestore.RunRecord, i int) {
	id := "h" + strconv.Itoa(i)
	v := json.RawMessage(`{"data":` + strconv.Itoa(i) + `}`)
	r.Steps = append(r.Steps, runtype.Step{ID: id, Name: "s" + strconv.Itoa(i), Op: "StepRun", Attempts: 1, Result: v, Done: true})
	r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: v})
	r.History = append(r.History, runtype.HistoryItem{Time: itemsT0, Kind: "call", StepID: id, Status: 206})
	r.Calls++
}

// A run whose memo, step records or history are rewritten (entries removed,
// replaced, reordered, the history trimmed in the middle) reads back as
// saved, whether the store knows its rows (cache) or reads them (reopened).
func TestARewrittenRunReadsBackAsSaved(t *testing.T) {
	t.Parallel()
	edits := []struct {
		name string
		edit func(r *enginestore.RunRecord)
	}{
		{"ten steps", func(r *enginestore.RunRecord) {
			for i := range 10 {
				appendStep(r, i)
			}
		}},
		{"memo entry removed and one replaced", func(r *enginestore.RunRecord) {
			r.Memo = slices.Delete(r.Memo, 3, 4)
			r.Memo[5].Value = json.RawMessage(`"replaced"`)
		}},
		{"history trimmed in the middle", func(r *enginestore.RunRecord) {
			r.History = append(r.History[:2:2], r.History[len(r.History)-3:]...)
			r.History = append(r.History, runtype.HistoryItem{Time: itemsT0.Add(time.Hour), Kind: "trimmed"})
		}},
		{"step records truncated and one changed", func(r *enginestore.RunRecord) {
			r.Steps = r.Steps[:4:4]
			r.Steps[1].Attempts = 9
			r.Steps[1].Error = &runtype.StepError{Name: "E", Message: "m"}
		}},
		{"memo reordered", func(r *enginestore.RunRecord) {
			r.Memo[0], r.Memo[1] = r.Memo[1], r.Memo[0]
		}},
		{"step result no longer its memo", func(r *enginestore.RunRecord) {
			r.Steps[0].Result = json.RawMessage(`"own"`)
		}},
		{"everything cleared", func(r *enginestore.RunRecord) {
			r.Memo, r.Steps, r.History = nil, nil, nil
		}},
		{"appended again", func(r *enginestore.RunRecord) {
			for i := range 3 {
				appendStep(r, 20+i)
			}
		}},
		{"memo of a step rewritten", func(r *enginestore.RunRecord) {
			r.Memo[2].Value = json.RawMessage(`{"data":"new"}`)
			r.Steps[2].Result = r.Memo[2].Value
		}},
		{"history replaced", func(r *enginestore.RunRecord) {
			r.History = []runtype.HistoryItem{{Time: itemsT0, Kind: "only"}}
		}},
	}
	for _, reopen := range []bool{false, true} {
		t.Run(fmt.Sprint("reopen=", reopen), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, path := openItems(t)
			r := itemsRun("r1")
			for _, e := range edits {
				e.edit(r)
				if reopen {
					require.NoError(t, st.Close())
					var err error
					st, err = Open(path)
					require.NoError(t, err)
					t.Cleanup(func() { _ = st.Close() })
				}
				require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
				requireStored(t, st, r, e.name)
			}
		})
	}
}

// Random edits of a run, saved directly or in transactions that commit or
// roll back, always read back as last committed.
func TestRandomRunEditsReadBackAsSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	rng := rand.New(rand.NewPCG(14, 3))
	r := itemsRun("r1")
	committed := cloneRun(r)
	next := 0
	for round := range 400 {
		switch op := rng.IntN(10); {
		case op < 5:
			appendStep(r, next)
			next++
		case op == 5 && len(r.Memo) > 0:
			i := rng.IntN(len(r.Memo))
			r.Memo = slices.Delete(r.Memo, i, i+1)
		case op == 6 && len(r.History) > 4:
			keep := rng.IntN(3) + 1
			r.History = append(r.History[:keep:keep], r.History[len(r.History)-2:]...)
		case op == 7 && len(r.Steps) > 0:
			i := rng.IntN(len(r.Steps))
			r.Steps[i].Attempts++
			r.Steps[i].Result = json.RawMessage(strconv.Itoa(round))
		case op == 8 && len(r.Steps) > 0:
			r.Steps = r.Steps[:rng.IntN(len(r.Steps))]
		default:
			r.History = append(r.History, runtype.HistoryItem{Time: itemsT0.Add(time.Duration(round)), Kind: "tick", Status: round})
		}
		r.Status = runtype.StatusRunning
		if rng.IntN(20) == 0 {
			r.Status, r.EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Hour)
		}
		switch rng.IntN(4) {
		case 0:
			err := st.Tx(ctx, func(s enginestore.Store) error {
				if err := s.SaveRun(ctx, cloneRun(r)); err != nil {
					return err
				}
				return errors.New("roll back")
			})
			require.Error(t, err)
			r = cloneRun(committed)
		case 1:
			require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error { return s.SaveRun(ctx, cloneRun(r)) }))
			committed = cloneRun(r)
		default:
			require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
			committed = cloneRun(r)
		}
		got, err := st.Run(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, committed, got, "round %d", round)
		if round%50 == 0 {
			requireStored(t, st, committed, fmt.Sprint("round ", round))
		}
	}
}

// Pruning a run deletes its rows; a run saved later with the same ID is
// stored whole (the store does not believe the rows are still there).
func TestPruneDeletesARunsItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	r := itemsRun("r1")
	for i := range 5 {
		appendStep(r, i)
	}
	require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	r.Status, r.EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Minute)
	require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	n, err := st.PruneRuns(ctx, itemsT0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	var rows int
	require.NoError(t, st.rdb.QueryRow(`SELECT count(*) FROM run_items`).Scan(&rows))
	require.Zero(t, rows)

	again := itemsRun("r1")
	for i := range 5 {
		appendStep(again, i)
	}
	require.NoError(t, st.SaveRun(ctx, cloneRun(again)))
	appendStep(again, 5)
	require.NoError(t, st.SaveRun(ctx, cloneRun(again)))
	requireStored(t, st, again, "saved after the prune")

	// The same in one transaction: the run saved finished, pruned and saved
	// again.
	again.Status, again.EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Minute)
	require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error {
		require.NoError(t, s.SaveRun(ctx, cloneRun(again)))
		n, err := s.(enginestore.Pruner).PruneRuns(ctx, itemsT0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.NoError(t, s.SaveRun(ctx, cloneRun(again)))
		return nil
	}))
	requireStored(t, st, again, "pruned and saved again in one transaction")
}

// fill sets every exported field reachable from v to a value that is not
// its zero value (slices and maps get two and one elements).
func fill(t testing.TB, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Int, reflect.Int64:
		if v.Type() == reflect.TypeFor[time.Duration]() {
			t.Fatalf("unexpected duration field")
		}
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			v.SetBytes([]byte(`{"n":` + strconv.Itoa(*n) + `}`))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, n)
		fill(t, e, n)
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(itemsT0.Add(time.Duration(*n) * time.Second)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: unhandled kind %s: teach the test (and the codec) about it", v.Kind())
	}
}

// Every field of a run is stored: a field added to enginestore.RunRecord (or a
// type it holds) and not to the codec fails here.
func TestEveryRunFieldIsStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := openItems(t)
	r := new(enginestore.RunRecord)
	n := 0
	fill(t, reflect.ValueOf(r).Elem(), &n)
	r.Memo[1].ID = r.Steps[1].ID // a step whose result is its memo
	r.Steps[1].Result = r.Memo[1].Value
	require.NoError(t, st.SaveRun(ctx, r))
	requireStored(t, st, r, "every field")
	require.NoError(t, st.Close())
	st2, err := Open(path)
	require.NoError(t, err)
	defer st2.Close()
	got, err := st2.Run(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, r, got)
}

// The decoders of stored bytes return an error, never panic, on any input.
func FuzzDecodeRunEncodings(f *testing.F) {
	r := new(enginestore.RunRecord)
	n := 0
	fill(f, reflect.ValueOf(r).Elem(), &n)
	f.Add(encodeHeader(nil, r))
	f.Add(encodeStep(nil, &r.Steps[0], nil))
	f.Add(encodeHistory(nil, &r.History[0]))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Whatever decodes encodes to what decodes the same.
		if h, err := decodeHeader(b); err == nil {
			again, err := decodeHeader(encodeHeader(nil, h))
			require.NoError(t, err)
			require.Equal(t, h, again)
		}
		if s, fromMemo, err := decodeStep("id", b); err == nil {
			var memo json.RawMessage
			if fromMemo {
				memo = json.RawMessage(`"memo"`)
				s.Result = memo
			}
			again, againFromMemo, err := decodeStep("id", encodeStep(nil, &s, memo))
			require.NoError(t, err)
			require.Equal(t, fromMemo, againFromMemo)
			if fromMemo {
				again.Result = memo
			}
			require.Equal(t, s, again)
		}
		if h, err := decodeHistory("id", b); err == nil {
			again, err := decodeHistory("id", encodeHistory(nil, &h))
			require.NoError(t, err)
			require.True(t, historyEqual(&h, &again), "%v != %v", h, again)
		}
	})
}

// A run read back is the caller's to edit, and so is the run it saved:
// neither edit changes what the store returns next (it keeps no part of
// either, but raw JSON values, which are never edited in place).
func TestARunReadOrSavedIsTheCallersToEdit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	r := itemsRun("r1")
	for i := range 3 {
		appendStep(r, i)
	}
	r.Steps[1].LastError = &runtype.StepError{Name: "E", Message: "m"}
	r.Waits = []runtype.WaitInfo{{StepID: "w", Event: "app/x"}}
	r.Keys = map[string]string{"k": "v"}
	saved := cloneRun(r)
	saved.Steps[1].LastError = &runtype.StepError{Name: "E", Message: "m"}
	saved.Waits = slices.Clone(r.Waits)
	saved.Keys = map[string]string{"k": "v"}
	saved.EventIDs = slices.Clone(r.EventIDs)
	require.NoError(t, st.SaveRun(ctx, r))
	edit := func(x *enginestore.RunRecord) {
		x.Steps[0].Attempts = 99
		x.Steps[1].LastError.Message = "edited"
		x.Memo[0].ID = "edited"
		x.History[0].Kind = "edited"
		x.Waits[0].Event = "edited"
		x.Keys["k"] = "edited"
		x.EventIDs[0] = "edited"
	}
	edit(r)
	got, err := st.Run(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, saved, got)
	edit(got)
	got, err = st.Run(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, saved, got)
}

// More runs than the cache holds: every run still reads back and saves
// correctly (the evicted ones from their rows), and the cache stays bounded.
func TestMoreRunsThanTheCacheHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	n := maxCachedRuns + 100
	runs := make([]*enginestore.RunRecord, n)
	for round := range 2 {
		for i := range runs {
			if round == 0 {
				runs[i] = itemsRun(fmt.Sprint("r", i))
				if i%3 == 0 {
					runs[i].Status, runs[i].EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Minute)
				}
			}
			appendStep(runs[i], round)
			require.NoError(t, st.SaveRun(ctx, cloneRun(runs[i])))
		}
	}
	st.cache.mu.Lock()
	cached, done := len(st.cache.slots), 0
	for _, slot := range st.cache.slots {
		if slot.items.done {
			done++
		}
	}
	st.cache.mu.Unlock()
	require.LessOrEqual(t, cached, maxCachedRuns)
	finished := (n + 2) / 3
	require.Equal(t, finished-(n-maxCachedRuns), done, "finished runs are evicted first")
	for _, r := range runs {
		got, err := st.Run(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
	all, err := st.Runs(ctx)
	require.NoError(t, err)
	require.Equal(t, runs, all)
}

// A history item without AI metadata (one written before items had it ends
// at Detail or at the transport tail) reads as one without; one with AI
// metadata reads back equal, with or without a transport.
func TestHistoryItemAIMetadata(t *testing.T) {
	t.Parallel()
	old := runtype.HistoryItem{Kind: "gateway", StepID: "s", Detail: "POST u"}
	b := encodeHistory(nil, &old)
	got, err := decodeHistory("s", b)
	require.NoError(t, err)
	require.True(t, historyEqual(&old, &got))
	conn := old
	conn.Transport = runtype.TransportConnect
	got, err = decodeHistory("s", encodeHistory(nil, &conn))
	require.NoError(t, err)
	require.Nil(t, got.AI)
	require.True(t, historyEqual(&conn, &got))
	withAI := old
	withAI.AI = &runtype.AIMetadata{Provider: "anthropic", RequestModel: "a", ResponseModel: "b", InputTokens: 1, OutputTokens: 2, TotalTokens: 3}
	got, err = decodeHistory("s", encodeHistory(nil, &withAI))
	require.NoError(t, err)
	require.Equal(t, withAI.AI, got.AI)
	require.False(t, historyEqual(&old, &got))
	withAI.Transport = runtype.TransportHTTP
	got, err = decodeHistory("s", encodeHistory(nil, &withAI))
	require.NoError(t, err)
	require.True(t, historyEqual(&withAI, &got))
}
