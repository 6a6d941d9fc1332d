package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

func TestChargeOnceIsIdempotentUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	var wg sync.WaitGroup
	created := make([]bool, 8)
	for i := range created {
		wg.Go(func() {
			var err error
			_, created[i], err = st.ChargeOnce(ctx, "key-1", "usr", "tkt", 500)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	n := 0
	for _, c := range created {
		if c {
			n++
		}
	}
	require.Equal(t, 1, n, "exactly one call made the row")
	c, err := st.ChargeByKey(ctx, "key-1")
	require.NoError(t, err)
	require.Equal(t, 8, c.Attempts)
	rows, err := st.CountCharges(ctx, "tkt")
	require.NoError(t, err)
	require.Equal(t, 1, rows)
}

func TestUsersAndOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	u, err := st.CreateUser(ctx, " Alice@Example.com ", "Alice", "")
	require.NoError(t, err)
	require.Equal(t, "alice@example.com", u.Email)
	_, err = st.CreateUser(ctx, "ALICE@example.com", "Again", "")
	require.ErrorIs(t, err, store.ErrEmailTaken)
	first, err := st.MarkVerified(ctx, u.ID)
	require.NoError(t, err)
	require.True(t, first)
	again, err := st.MarkVerified(ctx, u.ID)
	require.NoError(t, err)
	require.False(t, again)
	_, err = st.MarkVerified(ctx, "usr_nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	for _, m := range []store.Message{
		{Channel: store.ChannelEmail, Recipient: u.Email, UserID: u.ID, Template: "welcome", Body: "hi"},
		{Channel: store.ChannelDiscord, Recipient: "#admin", Body: "digest", Ref: "d1"},
	} {
		_, err := st.AddMessage(ctx, m)
		require.NoError(t, err)
	}
	tests := []struct {
		name string
		f    store.MessageFilter
		want int
	}{
		{"all", store.MessageFilter{}, 2},
		{"by channel", store.MessageFilter{Channel: store.ChannelDiscord}, 1},
		{"by user and template", store.MessageFilter{UserID: u.ID, Template: "welcome"}, 1},
		{"by ref", store.MessageFilter{Ref: "d1"}, 1},
		{"no match", store.MessageFilter{Ref: "d2"}, 0},
	}
	for _, tt := range tests {
		ms, err := st.Messages(ctx, tt.f)
		require.NoError(t, err)
		require.Len(t, ms, tt.want, tt.name)
	}
}
