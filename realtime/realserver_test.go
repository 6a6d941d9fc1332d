//go:build realtimerecord

package realtime_test

// Against a real dev server, by hand (behind the realtimerecord build tag):
//
//	INNGEST_REALTIME_SERVER=http://127.0.0.1:9130 INNGEST_REALTIME_APP=127.0.0.1:9139 \
//	  go test -tags realtimerecord -run TestRealServer ./realtime/

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

func TestRealServer(t *testing.T) {
	base, app := os.Getenv("INNGEST_REALTIME_SERVER"), os.Getenv("INNGEST_REALTIME_APP")
	require.NotEmpty(t, base)
	require.NotEmpty(t, app)
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "rt-go", Mode: inngest.ModeDev, BaseURL: base,
		Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	require.NoError(t, err)
	rt := realtime.New(client)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	tok, err := rt.Token(ctx, "ticket:1", "stage")
	require.NoError(t, err)
	cl, err := realtime.ParseToken(tok.Key)
	require.NoError(t, err)
	require.Equal(t, "rt.inngest.com", cl.Issuer)
	require.Equal(t, 60*time.Second, cl.Expires.Sub(cl.IssuedAt))

	ref := stageTopic.On("ticket:1")
	for _, tr := range []realtime.Transport{realtime.WebSocket, realtime.SSE} {
		sub, err := realtime.Subscribe(ctx, rt, ref, realtime.SubscribeOptions{Transport: tr})
		require.NoError(t, err)
		pull, stop := iterPull(sub.Messages(ctx))
		time.Sleep(300 * time.Millisecond)
		require.NoError(t, realtime.Publish(ctx, rt, ref, stage{Ticket: 1, Stage: "validated"}))
		m, err := next(t, pull)
		require.NoError(t, err, tr)
		require.Equal(t, "validated", m.Value.Stage, tr)
		require.NoError(t, rt.Stream(ctx, "ticket:1", "stage", strings.NewReader(strings.Repeat("z", 1500)), realtime.PublishOptions{}))
		var got strings.Builder
		kinds := []realtime.Kind{}
		for len(kinds) == 0 || kinds[len(kinds)-1] != realtime.KindDataStreamEnd {
			m, err := next(t, pull)
			require.NoError(t, err)
			kinds = append(kinds, m.Kind)
			got.WriteString(m.Chunk())
		}
		require.Equal(t, []realtime.Kind{realtime.KindDataStreamStart, realtime.KindChunk, realtime.KindChunk, realtime.KindDataStreamEnd}, kinds, tr)
		require.Equal(t, 1500, got.Len())
		stop()
		require.NoError(t, sub.Close())
	}

	// A function publishing durably: one message per PublishStep, though the function is called once per step.
	opened := events.Define[struct {
		N int `json:"n"`
	}]("rtgo/ticket.opened")
	run := stageTopic.On("ticket:run")
	fn, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "pipeline"}, inngest.OnEvent(opened),
		func(ctx context.Context, in inngest.Input[struct {
			N int `json:"n"`
		}]) (string, error) {
			if _, err := realtime.PublishStep(ctx, "validated", run, stage{Ticket: in.Event.Data.N, Stage: "validated"}); err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "work", func(context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			_, err := realtime.PublishStep(ctx, "done", run, stage{Ticket: in.Event.Data.N, Stage: "done"})
			return "ok", err
		})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, fn)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", app)
	require.NoError(t, err)
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	require.NoError(t, h.Register(ctx, "http://"+app+"/api/inngest"))
	time.Sleep(2 * time.Second)
	sub, err := realtime.Subscribe(ctx, rt, run, realtime.SubscribeOptions{})
	require.NoError(t, err)
	defer sub.Close()
	pull, stop := iterPull(sub.Messages(ctx))
	defer stop()
	time.Sleep(300 * time.Millisecond)
	_, err = client.Send(ctx, opened.New(struct {
		N int `json:"n"`
	}{N: 5}))
	require.NoError(t, err)
	m, err := next(t, pull)
	require.NoError(t, err)
	require.Equal(t, "validated", m.Value.Stage)
	require.NotEmpty(t, m.RunID)
	m, err = next(t, pull)
	require.NoError(t, err)
	require.Equal(t, "done", m.Value.Stage)
}
