package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// A transaction whose fn succeeds but whose COMMIT fails (a deferred
// constraint) leaves no trace in the run cache: the run reads back as before
// and saving it again writes it.
func TestACommitThatFailsLeavesTheCacheAsBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	for _, q := range []string{
		`PRAGMA foreign_keys = ON`,
		`CREATE TABLE parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`,
	} {
		_, err := st.w.single(ctx, q)
		require.NoError(t, err)
	}
	r := itemsRun("r1")
	for i := range 3 {
		appendStep(r, i)
	}
	require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	longer := cloneRun(r)
	appendStep(longer, 3)
	err := st.Tx(ctx, func(s enginestore.Store) error {
		require.NoError(t, s.SaveRun(ctx, cloneRun(longer)))
		// Checked only at COMMIT.
		_, err := s.(*txStore).w.ExecContext(ctx, `INSERT INTO child (parent_id) VALUES (7)`)
		return err
	})
	require.ErrorContains(t, err, "FOREIGN KEY constraint failed")
	requireStored(t, st, r, "the commit failed")
	require.NoError(t, st.SaveRun(ctx, cloneRun(longer)))
	requireStored(t, st, longer, "saved again")
	appendStep(longer, 4)
	require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error { return s.SaveRun(ctx, cloneRun(longer)) }))
	requireStored(t, st, longer, "saved in a transaction")
}

// savedVersions records every version of each run a test tried to save (by
// run and Calls, unique per save) and which of them rolled back.
type savedVersions struct {
	mu     sync.Mutex
	tried  map[string]map[int]*enginestore.RunRecord
	rolled map[string]map[int]bool
}

func (v *savedVersions) try(r *enginestore.RunRecord) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tried[r.ID] == nil {
		v.tried[r.ID], v.rolled[r.ID] = map[int]*enginestore.RunRecord{}, map[int]bool{}
	}
	v.tried[r.ID][r.Calls] = cloneRun(r)
}

func (v *savedVersions) rollBack(rs ...*enginestore.RunRecord) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range rs {
		v.rolled[r.ID][r.Calls] = true
	}
}

// check fails unless got is a version tried and not rolled back (a
// reader may see a version that then rolls back only by a bug).
func (v *savedVersions) check(got *enginestore.RunRecord) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	want := v.tried[got.ID][got.Calls]
	if want == nil || !reflect.DeepEqual(want, got) {
		return fmt.Errorf("run %s read with calls %d: not a version saved", got.ID, got.Calls)
	}
	return nil
}

// Store methods called from many goroutines, in and out of transactions that
// commit, roll back or panic, with pruning in between: every read is a
// version saved, none rolled back, and in the end the run cache agrees with
// the rows, also for a run that every goroutine saved with its own content
// (which only a correct cache keeps apart). Run it with -race.
func TestConcurrentSavesReadsAndPrunesKeepTheCacheTrue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	const writers, rounds = 4, 80
	v := &savedVersions{tried: map[string]map[int]*enginestore.RunRecord{}, rolled: map[string]map[int]bool{}}
	var sharedCalls atomic.Int64
	last := make([]*enginestore.RunRecord, writers)
	errs := make(chan error, 16)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 14))
			committed := itemsRun(fmt.Sprint("own", g))
			for round := range rounds {
				r := cloneRun(committed)
				switch rng.IntN(4) {
				case 0, 1:
					appendStep(r, round)
				case 2:
					if len(r.Memo) > 0 {
						i := rng.IntN(len(r.Memo))
						r.Memo = slices.Delete(r.Memo, i, i+1)
					}
				case 3:
					if len(r.Steps) > 0 {
						r.Steps = r.Steps[:rng.IntN(len(r.Steps))]
					}
				}
				r.Calls = 1000 + round
				r = cloneRun(r)
				shared := itemsRun("shared")
				for i := range rng.IntN(6) {
					appendStep(shared, 100*g+i)
				}
				shared.Calls = int(sharedCalls.Add(1))
				if rng.IntN(3) == 0 {
					shared.Status, shared.EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Minute)
				}
				v.try(r)
				v.try(shared)
				switch rng.IntN(4) {
				case 0:
					if err := st.SaveRun(ctx, cloneRun(r)); err != nil {
						report(err)
						return
					}
					if err := st.SaveRun(ctx, cloneRun(shared)); err != nil {
						report(err)
						return
					}
				case 1:
					if err := st.Tx(ctx, func(s enginestore.Store) error {
						if err := s.SaveRun(ctx, cloneRun(shared)); err != nil {
							return err
						}
						return s.SaveRun(ctx, cloneRun(r))
					}); err != nil {
						report(err)
						return
					}
				case 2:
					err := st.Tx(ctx, func(s enginestore.Store) error {
						if err := s.SaveRun(ctx, cloneRun(r)); err != nil {
							return err
						}
						if err := s.SaveRun(ctx, cloneRun(shared)); err != nil {
							return err
						}
						return errors.New("roll back")
					})
					v.rollBack(r, shared)
					if err == nil {
						report(errors.New("a failed transaction committed"))
						return
					}
					continue
				case 3:
					func() {
						defer func() { _ = recover() }()
						_ = st.Tx(ctx, func(s enginestore.Store) error {
							_ = s.SaveRun(ctx, cloneRun(shared))
							_ = s.SaveRun(ctx, cloneRun(r))
							panic("boom")
						})
					}()
					v.rollBack(r, shared)
					continue
				}
				committed = r
			}
			last[g] = committed
		}()
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { // prunes the shared run whenever it is saved finished
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if i%2 == 0 {
				_, err = st.PruneRuns(ctx, itemsT0.Add(time.Hour))
			} else {
				err = st.Tx(ctx, func(s enginestore.Store) error {
					_, err := s.(enginestore.Pruner).PruneRuns(ctx, itemsT0.Add(time.Hour))
					return err
				})
			}
			if err != nil {
				report(err)
				return
			}
		}
	}()
	for range 2 {
		bg.Add(1)
		go func() { // reads every run, in and out of transactions
			defer bg.Done()
			ids := []string{"shared", "own0", "own1", "own2", "own3"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				read := func(s enginestore.Store) error {
					for _, id := range ids {
						got, err := s.Run(ctx, id)
						if errors.Is(err, enginestore.ErrNotFound) {
							continue
						}
						if err != nil {
							return err
						}
						if err := v.check(got); err != nil {
							return err
						}
					}
					return nil
				}
				var err error
				if i%4 == 3 {
					err = st.Tx(ctx, func(s enginestore.Store) error { return read(s) })
				} else {
					err = read(st)
				}
				if err != nil {
					report(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, r := range last {
		if r != nil {
			requireStored(t, st, r, r.ID)
		}
	}
	got, err := st.Run(ctx, "shared")
	if errors.Is(err, enginestore.ErrNotFound) {
		return
	}
	require.NoError(t, err)
	require.NoError(t, v.check(got))
	requireStored(t, st, got, "the run every goroutine saved")
}

// A read-only store kept open on a file another store writes has no run
// cache: it reads every save, never a run as it was when first read.
func TestAReadOnlyStoreSeesEverySave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := openItems(t)
	r := itemsRun("r1")
	require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	ro, err := OpenOptions(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	for i := range 20 {
		switch i % 4 {
		case 0, 1:
			appendStep(r, i)
		case 2:
			r.Memo = r.Memo[1:]
		case 3:
			r.Steps = r.Steps[:len(r.Steps)-1]
		}
		r = cloneRun(r)
		if i%2 == 0 {
			require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
		} else {
			require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error { return s.SaveRun(ctx, cloneRun(r)) }))
		}
		for range 2 { // the second read would be the one a cache served
			got, err := ro.Run(ctx, "r1")
			require.NoError(t, err)
			require.Equal(t, r, got, "save %d", i)
		}
		all, err := ro.Runs(ctx)
		require.NoError(t, err)
		require.Equal(t, []*enginestore.RunRecord{r}, all, "save %d", i)
	}
}

// Pruning drops from the run cache the runs it deletes, and only those: the
// others are still read from memory (no query), in and out of transactions.
func TestPruningKeepsTheRunsItDoesNotDeleteInTheCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openItems(t)
	running, ended := itemsRun("running"), itemsRun("ended")
	appendStep(running, 0)
	appendStep(ended, 0)
	ended.Status, ended.EndedAt = runtype.StatusCompleted, itemsT0.Add(time.Minute)
	for _, r := range []*enginestore.RunRecord{running, ended} {
		require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	}
	requireCached := func(msg string) {
		t.Helper()
		reads := st.Counts().Reads
		got, err := st.Run(ctx, "running")
		require.NoError(t, err)
		require.Equal(t, running, got, msg)
		require.Equal(t, reads, st.Counts().Reads, "%s: read from memory", msg)
	}
	requireCached("saved")
	n, err := st.PruneRuns(ctx, itemsT0) // deletes nothing
	require.NoError(t, err)
	require.Zero(t, n)
	requireCached("nothing pruned")
	require.NoError(t, st.Tx(ctx, func(s enginestore.Store) error {
		n, err := s.(enginestore.Pruner).PruneRuns(ctx, itemsT0.Add(time.Hour))
		require.Equal(t, 1, n)
		return err
	}))
	requireCached("another run pruned")
	_, err = st.Run(ctx, "ended")
	require.ErrorIs(t, err, enginestore.ErrNotFound)
	// The pruned run saved again is stored whole.
	require.NoError(t, st.SaveRun(ctx, cloneRun(ended)))
	requireStored(t, st, ended, "saved after the prune")
}
