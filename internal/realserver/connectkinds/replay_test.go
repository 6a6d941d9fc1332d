package connectkinds

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
)

// knownDiffs are the differences between the engine's gateway and the real
// one this test accepts (see engine/README.md).
var knownDiffs = map[string]bool{}

// TestEngineGatewayMatchesRecording runs the fixture recorded on the real dev
// server (testdata/connect/worker/kinds.json) through the same Connect worker
// against the embedded engine's gateway (engine/connectgw) and requires the
// same outcome for every kind (runs, outputs, step executions, gateway calls)
// and the same frames in the same order: each socket's hello, connect and
// ready; for every request executor request → ack → lease extensions →
// reply → reply ack; every heartbeat answered.
func TestEngineGatewayMatchesRecording(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../testdata/connect/worker/kinds.json")
	require.NoError(t, err)
	var want Recording
	require.NoError(t, json.Unmarshal(raw, &want))

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(engine.Options{Logger: quiet})
	require.NoError(t, err)
	gw := connectgw.New(eng, connectgw.Options{Logger: quiet})
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", gw.Handler())
	mux.Handle("/v0/connect/", gw.Handler())
	mux.Handle("/", eng.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		require.NoError(t, gw.Close())
		srv.Close()
		require.NoError(t, eng.Close())
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got, err := Run(ctx, Config{Origin: srv.URL, Logger: quiet, Bound: time.Minute}, "replay")
	require.NoError(t, err)
	check(t, got)
	if diffs := Diff(&want, got, knownDiffs); len(diffs) > 0 {
		t.Fatalf("the engine's gateway differs from the recording:\n%s", strings.Join(diffs, "\n"))
	}
}
