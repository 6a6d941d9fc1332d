//go:build realserver

package connect_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestRealServerFailover: worker A is stopped at once (Close) in the middle
// of a step; worker B, connected meanwhile, gets the request once A's lease
// expires, and the run completes there. Takes the gateway's lease (2 min).
func TestRealServerFailover(t *testing.T) {
	dev := os.Getenv("INNGEST_DEV")
	require.NotEmpty(t, dev, "set INNGEST_DEV to the dev server's origin")
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-failover", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)
	ev := events.Define[realIn]("failover/run.started")
	var calls atomic.Int32
	entered := make(chan struct{}, 1)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[realIn]) (string, error) {
			return step.Run(ctx, "work", func(ctx context.Context) (string, error) {
				if calls.Add(1) == 1 {
					entered <- struct{}{}
					<-ctx.Done() // worker A dies here
					return "", ctx.Err()
				}
				return "finished on B", nil
			})
		})
	require.NoError(t, err)

	a, err := connect.New(c, connect.Options{InstanceID: "failover-a"}, fn)
	require.NoError(t, err)
	aDone := make(chan error, 1)
	go func() { aDone <- a.Run(context.Background()) }()
	require.Eventually(t, a.Ready, 20*time.Second, 50*time.Millisecond)
	time.Sleep(time.Second)
	ids, err := c.Send(context.Background(), ev.New(realIn{N: 1}))
	require.NoError(t, err)
	<-entered
	require.NoError(t, a.Close())
	require.ErrorIs(t, <-aDone, connect.ErrClosed)

	b, err := connect.New(c, connect.Options{InstanceID: "failover-b"}, fn)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-bDone)
	}()
	started := time.Now()
	require.JSONEq(t, `"finished on B"`, waitRun(t, dev, ids[0], 5*time.Minute))
	t.Logf("run completed on worker B %s after A was closed; step calls: %d", time.Since(started), calls.Load())
	require.Equal(t, int32(2), calls.Load())
}
