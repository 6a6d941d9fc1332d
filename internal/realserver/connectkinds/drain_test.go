//go:build realserver

package connectkinds

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestRealServerDrain drains the dev server's gateway in the middle of a step
// and requires the run to complete, each step's code running once. The
// gateway's maintenance API (POST /maintenance/drain, /maintenance/activate)
// is mounted on the gateway port only when the server runs with
// INTERNAL_CONNECT_MAINTENANCE=1:
//
//	INTERNAL_CONNECT_MAINTENANCE=1 inngest dev --port 9164 --connect-gateway-port 9165 …
//	REALSERVER_URL=http://127.0.0.1:9164 REALSERVER_MAINTENANCE=http://127.0.0.1:9165/maintenance \
//	  go test -tags realserver -run TestRealServerDrain -v ./internal/realserver/connectkinds/
//
// REALSERVER_ACTIVATE_AFTER (default 3s) is when, after the drain, the
// gateway is activated again (the dev server has one gateway: a draining one
// refuses new sockets, so a reconnect lands only once it is active again, as
// it would on another gateway in production); "never" leaves it draining.
// With REALSERVER_RECORD=1 the frames go to testdata/connect/worker/drain.json.
func TestRealServerDrain(t *testing.T) {
	server, maint := os.Getenv("REALSERVER_URL"), os.Getenv("REALSERVER_MAINTENANCE")
	require.NotEmpty(t, server, "set REALSERVER_URL to a running inngest dev server")
	require.NotEmpty(t, maint, "set REALSERVER_MAINTENANCE to the gateway's maintenance API")
	activateAfter := 3 * time.Second
	if v := os.Getenv("REALSERVER_ACTIVATE_AFTER"); v == "never" {
		activateAfter = -1
	} else if v != "" {
		var err error
		activateAfter, err = time.ParseDuration(v)
		require.NoError(t, err)
	}
	post := func(path string) {
		res, err := http.Post(maint+path, "application/json", nil)
		require.NoError(t, err)
		res.Body.Close()
		require.Less(t, res.StatusCode, 300, path)
	}
	t.Cleanup(func() { post("/activate") })

	tap, err := NewTap(server)
	require.NoError(t, err)
	defer tap.Close()
	var logger *slog.Logger
	if testing.Verbose() {
		logger = slog.Default()
	}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-drain", Mode: inngest.ModeDev, DevServerURL: tap.URL(), Logger: logger})
	require.NoError(t, err)
	var long, after atomic.Int32
	started := make(chan struct{}, 4)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "drained"}, inngest.OnEvent(def("drain")),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			if _, err := step.Run(ctx, "long", func(ctx context.Context) (int32, error) {
				started <- struct{}{}
				time.Sleep(6 * time.Second)
				return long.Add(1), nil
			}); err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(ctx context.Context) (string, error) {
				after.Add(1)
				return "completed across the drain", nil
			})
		})
	require.NoError(t, err)
	opts := WorkerOptions(logger)
	opts.InstanceID = "drain"
	opts.ReconnectMax = time.Second
	w, err := connect.New(c, opts, fn)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, w.Ready, 20*time.Second, 20*time.Millisecond)
	time.Sleep(1500 * time.Millisecond)

	ids, err := c.Send(context.Background(), def("drain").New(Data{N: 1, Key: strconv.FormatInt(time.Now().UnixNano(), 36)}))
	require.NoError(t, err)
	<-started
	time.Sleep(time.Second)
	drained := time.Now()
	post("/drain")
	if activateAfter >= 0 {
		time.Sleep(activateAfter)
		post("/activate")
	}
	d := &driver{cfg: Config{Origin: server, Bound: 3 * time.Minute}, http: httpClient()}
	runs, err := d.wait(context.Background(), ids, 1, "Completed")
	require.NoError(t, err)
	took := time.Since(drained)
	require.JSONEq(t, `"completed across the drain"`, string(runs[0].Output))
	cancel()
	require.NoError(t, <-done)
	done <- nil

	raw, flushes := tap.snapshot()
	frames := normalise(raw)
	var seq []string
	for _, f := range frames {
		if f.Kind == "WORKER_HEARTBEAT" || f.Kind == "GATEWAY_HEARTBEAT" || isLease(f.Kind) {
			continue
		}
		seq = append(seq, strconv.Itoa(f.Conn)+" "+f.From+" "+f.Kind+" "+f.Request+" "+f.Detail)
	}
	t.Logf("drained 1 s into a 6 s step, activated again after %v (-1: never); run completed %s after the drain; long ran %d, after %d; %d sockets, %d flushes; frames without heartbeats and leases:\n%s",
		activateAfter, took.Round(100*time.Millisecond), long.Load(), after.Load(), tap.SocketCount(), flushes, strings.Join(seq, "\n"))
	require.Equal(t, int32(1), long.Load(), "the long step ran once")
	require.Equal(t, int32(1), after.Load())
	if os.Getenv("REALSERVER_RECORD") == "1" {
		rec := Recording{
			About:       "a gateway drain (POST /maintenance/drain, INTERNAL_CONNECT_MAINTENANCE=1) 1 s into a 6 s step, the gateway activated again " + activateAfter.String() + " later; recorded by internal/realserver/connectkinds TestRealServerDrain",
			Server:      "inngest dev --no-discovery --no-poll --tick 50 (inngest/inngest@253303cdff)",
			Kinds:       []Kind{{Name: "drain", Runs: runs, Steps: map[string]int{"drained/long": int(long.Load()), "drained/after": int(after.Load())}}},
			Connections: tap.SocketCount(), Flushes: flushes, Frames: frames,
		}
		b, err := json.MarshalIndent(rec, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile("../../../testdata/connect/worker/drain.json", append(b, '\n'), 0o644))
	}
}
