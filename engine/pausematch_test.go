package engine_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// countingStore counts the runs loaded from the Store.
type countingStore struct {
	enginestore.Store
	loads atomic.Int64
}

func (s *countingStore) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	s.loads.Add(1)
	return s.Store.Run(ctx, id)
}

// An event is checked against waits before their runs are loaded: once
// each waiting run's trigger is known, an event named like the waits but
// matching none of their expressions, and an event of another name, load no
// run at all; a matching one loads only its run.
func TestEventMatchingNoWaitLoadsNoRun(t *testing.T) {
	t.Parallel()
	st := &countingStore{Store: waitingStore(t, 100)}
	eng, err := engine.New(engine.Options{Store: st, Clock: engine.NewVirtualClock(t0)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	ctx := context.Background()

	_, err = eng.SendJSON(ctx, []byte(`{"name":"test/resume","data":{"k":-1}}`))
	require.NoError(t, err)
	require.LessOrEqual(t, st.loads.Load(), int64(100), "the first event loads each waiting run at most once")

	for _, body := range []string{
		`{"name":"test/resume","data":{"k":-1}}`,
		`{"name":"test/resume","data":{"k":"7"}}`,
		`{"name":"test/other","data":{"k":7}}`,
	} {
		before := st.loads.Load()
		_, err = eng.SendJSON(ctx, []byte(body))
		require.NoError(t, err)
		require.Equal(t, before, st.loads.Load(), "runs loaded for %s", body)
	}

	before := st.loads.Load()
	_, err = eng.SendJSON(ctx, []byte(`{"name":"test/resume","data":{"k":7}}`))
	require.NoError(t, err)
	require.Positive(t, st.loads.Load()-before, "the matching event loads its run")
	run, err := eng.Run("run-7")
	require.NoError(t, err)
	require.Empty(t, run.Waits, "run-7's wait matched")
	for _, id := range []string{"run-6", "run-8"} {
		run, err := eng.Run(id)
		require.NoError(t, err)
		require.Len(t, run.Waits, 1, "%s still waits", id)
	}
}

// readCountingStore counts every read of the Store.
type readCountingStore struct {
	enginestore.Store
	reads atomic.Int64
}

func (s *readCountingStore) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	s.reads.Add(1)
	return s.Store.Run(ctx, id)
}

func (s *readCountingStore) Runs(ctx context.Context) ([]*enginestore.RunRecord, error) {
	s.reads.Add(1)
	return s.Store.Runs(ctx)
}

func (s *readCountingStore) RunsForEvent(ctx context.Context, id string) ([]*enginestore.RunRecord, error) {
	s.reads.Add(1)
	return s.Store.RunsForEvent(ctx, id)
}

func (s *readCountingStore) PausesForEvent(ctx context.Context, name string) ([]enginestore.Pause, error) {
	s.reads.Add(1)
	return s.Store.PausesForEvent(ctx, name)
}

func (s *readCountingStore) PausesForRun(ctx context.Context, id string) ([]enginestore.Pause, error) {
	s.reads.Add(1)
	return s.Store.PausesForRun(ctx, id)
}

func (s *readCountingStore) Timers(ctx context.Context) ([]enginestore.TimerItem, error) {
	s.reads.Add(1)
	return s.Store.Timers(ctx)
}

func (s *readCountingStore) Apps(ctx context.Context) ([]enginestore.AppRecord, error) {
	s.reads.Add(1)
	return s.Store.Apps(ctx)
}

func (s *readCountingStore) Event(ctx context.Context, id string) (enginestore.EventRecord, error) {
	s.reads.Add(1)
	return s.Store.Event(ctx, id)
}

func (s *readCountingStore) Flows(ctx context.Context) ([]enginestore.FlowRecord, error) {
	s.reads.Add(1)
	return s.Store.Flows(ctx)
}

// An event that matches no wait's name reads the Store (and allocates) the
// same with 2,000 runs waiting on another name (and their timeouts in the
// scheduler) as with none: nothing per event walks the waits.
func TestUnrelatedEventWorkIndependentOfWaits(t *testing.T) {
	t.Parallel()
	work := func(n int) (reads int64) {
		st := &readCountingStore{Store: waitingStore(t, n)}
		eng, err := engine.New(engine.Options{Store: st, Clock: engine.NewVirtualClock(t0)})
		require.NoError(t, err)
		defer func() { require.NoError(t, eng.Close()) }()
		ctx := context.Background()
		_, err = eng.SendJSON(ctx, []byte(`{"name":"test/other","data":{"k":1}}`))
		require.NoError(t, err)
		before := st.reads.Load()
		for i := range 10 {
			_, err = eng.SendJSON(ctx, []byte(`{"name":"test/other","data":{"k":`+strconv.Itoa(i)+`}}`))
			require.NoError(t, err)
		}
		return st.reads.Load() - before
	}
	require.Equal(t, work(0), work(2000))
}
