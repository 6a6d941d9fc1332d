//go:build realserver

package connect_test

// Runs a Connect worker against a real `inngest dev` (built per
// ../shared/REAL-SERVER.md). Not part of CI:
//
//	INNGEST_DEV=http://127.0.0.1:9110 go test -tags realserver -run TestRealServer -v ./connect/

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

type realIn struct {
	N int `json:"n"`
}

func TestRealServer(t *testing.T) {
	dev := os.Getenv("INNGEST_DEV")
	require.NotEmpty(t, dev, "set INNGEST_DEV to the dev server's origin")
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-real", Mode: inngest.ModeDev, DevServerURL: dev})
	require.NoError(t, err)

	child, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.OnEvent(events.Define[realIn]("connectreal/child.requested")),
		func(ctx context.Context, in inngest.Input[realIn]) (int, error) { return in.Event.Data.N * 2, nil })
	require.NoError(t, err)
	signal := events.Define[realIn]("connectreal/signal.sent")
	start := events.Define[realIn]("connectreal/run.started")
	parent, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent(start),
		func(ctx context.Context, in inngest.Input[realIn]) (map[string]any, error) {
			a, err := step.Run(ctx, "run", func(ctx context.Context) (int, error) { return in.Event.Data.N + 1, nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "sleep", 2*time.Second); err != nil {
				return nil, err
			}
			ev, ok, err := step.WaitForEvent(ctx, "wait", signal, 20*time.Second)
			if err != nil {
				return nil, err
			}
			doubled, err := step.Invoke(ctx, "invoke", child.Ref(), realIn{N: a}, 30*time.Second)
			if err != nil {
				return nil, err
			}
			return map[string]any{"run": a, "waited": ok, "signal": ev.Data.N, "invoked": doubled}, nil
		})
	require.NoError(t, err)

	w, err := connect.New(c, connect.Options{InstanceID: "real-1"}, child, parent)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, w.Ready, 20*time.Second, 50*time.Millisecond)
	time.Sleep(time.Second)

	ids, err := c.Send(context.Background(), start.New(realIn{N: 20}))
	require.NoError(t, err)
	stopSignals := make(chan struct{})
	signalsDone := make(chan struct{})
	go func() {
		defer close(signalsDone)
		for i := 0; i < 20; i++ {
			select {
			case <-stopSignals:
				return
			case <-time.After(time.Second):
			}
			_, _ = c.Send(context.Background(), signal.New(realIn{N: 7}))
		}
	}()
	out := waitRun(t, dev, ids[0], 90*time.Second)
	close(stopSignals)
	<-signalsDone
	require.JSONEq(t, `{"run":21,"waited":true,"signal":7,"invoked":42}`, out)
}

func waitFailed(t *testing.T, dev, eventID string, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if status, _ := runStatus(t, dev, eventID); status == "Failed" {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("run did not fail")
}

func runStatus(t *testing.T, dev, eventID string) (string, string) {
	res, err := http.Get(fmt.Sprintf("%s/v1/events/%s/runs?nc=%d", dev, eventID, time.Now().UnixNano()))
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var body struct {
		Data []struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"data"`
	}
	_ = json.Unmarshal(b, &body)
	if len(body.Data) == 0 {
		return "", ""
	}
	return body.Data[0].Status, string(body.Data[0].Output)
}

// pollEvery is how often waitRun asks the run API.
var pollEvery = 500 * time.Millisecond

func waitRun(t *testing.T, dev, eventID string, d time.Duration) string {
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		res, err := http.Get(fmt.Sprintf("%s/v1/events/%s/runs?nc=%d", dev, eventID, time.Now().UnixNano()))
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var body struct {
			Data []struct {
				Status string          `json:"status"`
				Output json.RawMessage `json:"output"`
			} `json:"data"`
		}
		_ = json.Unmarshal(b, &body)
		if len(body.Data) > 0 {
			switch body.Data[0].Status {
			case "Completed":
				if len(body.Data[0].Output) > 0 && string(body.Data[0].Output) != "null" {
					return string(body.Data[0].Output)
				}
			case "Failed", "Cancelled":
				// The run API can say Failed while a retry is pending: judge at the deadline.
				last = body.Data[0].Status + " " + string(body.Data[0].Output)
			}
		}
		time.Sleep(pollEvery)
	}
	t.Fatalf("run did not complete (last seen: %s)", last)
	return ""
}
