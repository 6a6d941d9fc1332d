//go:build realtimerecord

package rtscript_test

// The recorder: it runs the script against a real Inngest dev server and
// writes testdata/realtime/*.json. It is behind the realtimerecord build tag,
// so no ordinary test run compiles it, and it needs a running server:
//
//	INNGEST_REALTIME_SERVER=http://127.0.0.1:9130 INNGEST_REALTIME_APP=127.0.0.1:9139 \
//	  go test -tags realtimerecord -run TestRecordRealServer ./internal/realserver/rtscript/

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/rtscript"
	"github.com/seed-b02f2472/inngest-go/serve"
)

func TestRecordRealServer(t *testing.T) {
	base := os.Getenv("INNGEST_REALTIME_SERVER")
	app := os.Getenv("INNGEST_REALTIME_APP")
	require.NotEmpty(t, base, "set INNGEST_REALTIME_SERVER to the dev server's origin")
	require.NotEmpty(t, app, "set INNGEST_REALTIME_APP to host:port the server can call the app on")
	commit := os.Getenv("INNGEST_REALTIME_COMMIT")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join("..", "..", "..", "testdata", "realtime")
	require.NoError(t, os.MkdirAll(out, 0o755))
	write := func(name string, rec *rtscript.Recording) {
		rec.Server = rtscript.Server{Kind: "inngest dev", Commit: commit}
		b, err := json.MarshalIndent(rec, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, name), append(b, '\n'), 0o644))
	}

	rec, err := rtscript.Run(ctx, rtscript.Options{Base: base})
	require.NoError(t, err)
	write("api.json", rec)

	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "rt-rec", Mode: inngest.ModeDev, BaseURL: base})
	require.NoError(t, err)
	fn, err := rtscript.RunFunction(client, base, "", nil)
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
	run, err := rtscript.RunScenario(ctx, rtscript.Options{Base: base}, func(ctx context.Context) error {
		_, err := client.Send(ctx, rtscript.RunRequested.New(struct {
			N int `json:"n"`
		}{N: 1}))
		return err
	}, 2*time.Second)
	require.NoError(t, err)
	write("run.json", run)
}
