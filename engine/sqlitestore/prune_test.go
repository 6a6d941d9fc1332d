package sqlitestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Both stores delete finished runs that ended before the cut (with their
// event index) and events received before theirs; unfinished runs stay.
func TestPrune(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, reopen := kind.open(t)
			old := fullRun("old", "e1")
			old.Status, old.EndedAt = engine.StatusCompleted, t0.Add(time.Second)
			fresh := fullRun("fresh", "e1")
			fresh.Status, fresh.EndedAt = engine.StatusFailed, t0.Add(time.Hour)
			running := fullRun("running", "e2")
			running.EndedAt = time.Time{}
			for _, r := range []*engine.RunState{old, fresh, running} {
				require.NoError(t, st.SaveRun(ctx, r))
			}
			for i, at := range []time.Time{t0, t0.Add(time.Hour)} {
				_, err := st.SaveEvent(ctx, engine.EventRecord{ID: []string{"e1", "e2"}[i], Name: "app/x", Raw: []byte(`{}`), ReceivedAt: at})
				require.NoError(t, err)
			}
			p, ok := st.(engine.Pruner)
			require.True(t, ok)
			n, err := p.PruneRuns(ctx, t0.Add(time.Minute))
			require.NoError(t, err)
			require.Equal(t, 1, n)
			n, err = p.PruneEvents(ctx, t0.Add(time.Minute))
			require.NoError(t, err)
			require.Equal(t, 1, n)

			check := func(s engine.Store) {
				runs, err := s.Runs(ctx)
				require.NoError(t, err)
				require.Equal(t, []string{"fresh", "running"}, ids(runs))
				byEv, err := s.RunsForEvent(ctx, "e1")
				require.NoError(t, err)
				require.Equal(t, []string{"fresh"}, ids(byEv))
				_, err = s.Run(ctx, "old")
				require.ErrorIs(t, err, engine.ErrNotFound)
				_, err = s.Event(ctx, "e1")
				require.ErrorIs(t, err, engine.ErrNotFound)
				_, err = s.Event(ctx, "e2")
				require.NoError(t, err)
			}
			check(st)
			check(reopen())
		})
	}
}
