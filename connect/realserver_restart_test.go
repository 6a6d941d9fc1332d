//go:build realserver

package connect_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// TestRealServerRestart: the dev server is stopped (SIGTERM: the socket ends
// without GATEWAY_CLOSING, see testdata/connect/drain.json) and started again;
// the worker notices, reconnects with backoff and serves the next run.
// INNGEST_DEV_PIDFILE holds the server's pid, INNGEST_DEV_START is a shell
// command that starts it again (and rewrites the pid file).
func TestRealServerRestart(t *testing.T) {
	dev, pidfile, start := os.Getenv("INNGEST_DEV"), os.Getenv("INNGEST_DEV_PIDFILE"), os.Getenv("INNGEST_DEV_START")
	require.NotEmpty(t, dev)
	require.NotEmpty(t, pidfile)
	require.NotEmpty(t, start)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-restart", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)
	ev := events.Define[realIn]("restart/run.started")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "after"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[realIn]) (int, error) { return in.Event.Data.N, nil })
	require.NoError(t, err)
	var ups, downs int
	ready := make(chan bool, 16)
	w, err := connect.New(c, connect.Options{InstanceID: "restart-1", ReconnectMax: 2 * time.Second,
		OnReady: func(v bool) { ready <- v }}, fn)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	wait := func(want bool) {
		for {
			select {
			case v := <-ready:
				if v {
					ups++
				} else {
					downs++
				}
				if v == want {
					return
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("no ready=%v", want)
			}
		}
	}
	wait(true)
	pid, err := os.ReadFile(pidfile)
	require.NoError(t, err)
	require.NoError(t, exec.Command("kill", "-TERM", strings.TrimSpace(string(pid))).Run())
	stopped := time.Now()
	wait(false)
	t.Logf("worker noticed the server stop after %s", time.Since(stopped))
	time.Sleep(3 * time.Second)
	require.NoError(t, exec.Command("bash", "-c", start).Run())
	restarted := time.Now()
	wait(true)
	t.Logf("worker reconnected %s after the server was started again", time.Since(restarted))
	time.Sleep(time.Second)
	ids, err := c.Send(context.Background(), ev.New(realIn{N: 9}))
	require.NoError(t, err)
	require.Equal(t, "9", waitRun(t, dev, ids[0], 60*time.Second))
	require.Equal(t, 2, ups)
	require.GreaterOrEqual(t, downs, 1)
}
