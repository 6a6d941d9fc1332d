package sqlitestore

import (
	"context"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// Times whose zone offset has seconds (a local mean time, as time.LoadLocation
// gives for dates before standard time) read back with their instant and
// offset, west of Greenwich too: Go's binary form of a time reads a negative
// offset's seconds back as positive (256 seconds off).
func TestATimeWithSecondsInItsOffsetReadsBackInItsZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, off := range []int{-17762, -45959, -59, 1172, 3600} { // New York and Amsterdam's local mean times among them
		zone := time.FixedZone("LMT", off)
		at := time.Date(1880, 3, 1, 12, 30, 15, 123, zone)
		st, path := openItems(t)
		r := itemsRun("r1")
		r.StartedAt = at
		r.Waits = []runtype.WaitInfo{{StepID: "w", Event: "e", Expires: at.Add(time.Hour)}}
		r.History = []runtype.HistoryItem{{Time: at.Add(time.Minute), Kind: "call"}}
		require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
		require.NoError(t, st.Close())
		st2, err := Open(path)
		require.NoError(t, err)
		got, err := st2.Run(ctx, "r1")
		require.NoError(t, err)
		require.NoError(t, st2.Close())
		for i, pair := range [][2]time.Time{
			{r.StartedAt, got.StartedAt},
			{r.Waits[0].Expires, got.Waits[0].Expires},
			{r.History[0].Time, got.History[0].Time},
		} {
			want, have := pair[0], pair[1]
			_, haveOff := have.Zone()
			require.True(t, want.Equal(have), "offset %d, time %d: %s read back as %s", off, i, want, have)
			require.Equal(t, off, haveOff, "offset %d, time %d: %s read back as %s", off, i, want, have)
		}
	}
}
