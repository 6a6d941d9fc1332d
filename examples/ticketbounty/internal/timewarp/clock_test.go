package timewarp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/timewarp"
)

func TestFastForwardFiresDueTimers(t *testing.T) {
	t.Parallel()
	var c timewarp.Clock
	before := c.Now()
	day := c.NewTimer(24 * time.Hour)
	week := c.NewTimer(7 * 24 * time.Hour)
	stopped := c.NewTimer(time.Hour)
	require.True(t, stopped.Stop())
	require.False(t, stopped.Stop())

	c.FastForward(25 * time.Hour)
	select {
	case at := <-day.C():
		require.GreaterOrEqual(t, at.Sub(before), 25*time.Hour)
	case <-time.After(5 * time.Second):
		t.Fatal("the 24 h timer did not fire")
	}
	select {
	case <-week.C():
		t.Fatal("the 7-day timer fired early")
	case <-stopped.C():
		t.Fatal("a stopped timer fired")
	default:
	}
	require.False(t, day.Stop(), "already fired")
	require.Equal(t, 25*time.Hour, c.Offset())
}

func TestTimersStillFollowRealTime(t *testing.T) {
	t.Parallel()
	var c timewarp.Clock
	select {
	case <-c.NewTimer(time.Millisecond).C():
	case <-time.After(5 * time.Second):
		t.Fatal("a 1 ms timer did not fire")
	}
}
