package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
)

// An engine releases its VirtualClock subscription when it closes, so a clock
// shared by engines started one after another (restart tests) does not
// accumulate them.
func TestClockSubscriptionsReleased(t *testing.T) {
	t.Parallel()
	clk := engine.NewVirtualClock(t0)
	base := engine.ClockSubscribersForTest(clk)
	for range 5 {
		eng, err := engine.New(engine.Options{Clock: clk, Store: memstore.NewChecked()})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return engine.ClockSubscribersForTest(clk) == base+1 }, waitBound, time.Millisecond)
		require.NoError(t, eng.Close())
		require.Equal(t, base, engine.ClockSubscribersForTest(clk))
	}
}
