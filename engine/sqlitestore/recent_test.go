package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

// TestRecentEvents checks EventLister on both stores: newest first, internal
// events left out, the limit applied.
func TestRecentEvents(t *testing.T) {
	t.Parallel()
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, s := range map[string]enginestore.Store{"sqlite": st, "memory": memstore.New()} {
		ctx := context.Background()
		for i, id := range []string{"a", "b", "c"} {
			_, err := s.SaveEvent(ctx, enginestore.EventRecord{ID: id, Name: "x", Raw: []byte(`{}`), ReceivedAt: at.Add(time.Duration(i) * time.Second), Internal: id == "b"})
			require.NoError(t, err)
		}
		l, ok := s.(enginestore.EventLister)
		require.True(t, ok, name)
		evs, err := l.RecentEvents(ctx, 10)
		require.NoError(t, err)
		require.Len(t, evs, 2, name)
		require.Equal(t, "c", evs[0].ID, name)
		require.Equal(t, "a", evs[1].ID, name)
		require.Equal(t, at, evs[1].ReceivedAt.UTC(), name)
		evs, err = l.RecentEvents(ctx, 1)
		require.NoError(t, err)
		require.Len(t, evs, 1, name)
	}
}
