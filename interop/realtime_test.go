package interop_test

import (
	"bufio"
	"context"
	"iter"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/realtime"
)

type rtStage struct {
	Ticket int    `json:"ticket"`
	Stage  string `json:"stage"`
}

// A function on the official JavaScript SDK publishes with
// step.realtime.publish to the engine; the Go realtime package subscribes
// (typed, over WebSocket) and sees each durable publish once, in order,
// with the run's id.
func TestJSPublishesGoSubscribes(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		api.Close()
		require.NoError(t, eng.Close())
	})
	app := startJSApp(t, "INNGEST_DEV="+api.URL)
	require.NoError(t, eng.Sync(waitCtx(t), app.URL))

	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "go-sub", Mode: inngest.ModeDev, BaseURL: api.URL})
	require.NoError(t, err)
	rt := realtime.New(client)
	ref := realtime.Define[rtStage]("stage").On("ticket:11")
	sub, err := realtime.Subscribe(t.Context(), rt, ref, realtime.SubscribeOptions{})
	require.NoError(t, err)
	defer sub.Close()
	next, stop := iter.Pull2(sub.Messages(t.Context()))
	defer stop()
	s := &suite{eng: eng, app: app}
	evID := s.send(t, "interop/rt.publish", map[string]any{"id": 11})

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var stages []string
	var runID string
	for len(stages) < 2 && ctx.Err() == nil {
		m, err, ok := next()
		require.True(t, ok)
		require.NoError(t, err)
		require.Equal(t, realtime.KindData, m.Kind)
		require.Equal(t, 11, m.Value.Ticket)
		stages = append(stages, m.Value.Stage)
		runID = m.RunID
	}
	require.Equal(t, []string{"validated", "done"}, stages)
	r := s.run(t, evID)
	completed(t, r, `"ok"`)
	require.Equal(t, r.ID, runID)
}

// The reverse: the Go realtime package publishes (plain and streamed) to the
// engine and the official JavaScript SDK's client.realtime.subscribe reads
// it over WebSocket with a token it minted from the engine.
func TestGoPublishesJSSubscribes(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		api.Close()
		require.NoError(t, eng.Close())
	})
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	dir, err := filepath.Abs("js")
	require.NoError(t, err)
	cmd := exec.Command(node, "--experimental-websocket", "subscriber.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=test", "INNGEST_DEV="+api.URL, "RT_CHANNEL=ticket:12", "RT_TOPICS=stage")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("node stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	line := func() string {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "subscriber.js exited: %s", stderr.String())
			return l
		case <-time.After(30 * time.Second):
			require.FailNow(t, "no line from subscriber.js within 30 s", stderr.String())
			return ""
		}
	}
	require.Equal(t, "subscribed", line())

	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "go-pub", Mode: inngest.ModeDev, BaseURL: api.URL})
	require.NoError(t, err)
	rt := realtime.New(client)
	ref := realtime.Define[rtStage]("stage").On("ticket:12")
	// The JavaScript subscriber opens its WebSocket after "subscribed": publish until it sees one.
	var first string
	for first == "" {
		require.NoError(t, realtime.Publish(t.Context(), rt, ref, rtStage{Ticket: 12, Stage: "validated"}))
		select {
		case first = <-lines:
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.JSONEq(t, `{"kind":"data","channel":"ticket:12","topic":"stage","data":{"ticket":12,"stage":"validated"}}`, first)
	for len(lines) > 0 {
		<-lines // repeats of the first publish
	}
	require.NoError(t, realtime.Publish(t.Context(), rt, ref, rtStage{Ticket: 12, Stage: "done"}, realtime.PublishOptions{RunID: "01KBZ0000000000000000000RT"}))
	for {
		l := line()
		if strings.Contains(l, `"validated"`) {
			continue
		}
		require.JSONEq(t, `{"kind":"data","channel":"ticket:12","topic":"stage","data":{"ticket":12,"stage":"done"},"runId":"01KBZ0000000000000000000RT"}`, l)
		break
	}
}
