//go:build realserver

package reruncheck

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRecordRealServer runs the cases against a real dev server started by
// hand (REALSERVER_URL, e.g. http://127.0.0.1:9130; the app listens on
// REALSERVER_APP, default 127.0.0.1:9136) and writes the recording:
//
//	REALSERVER_URL=http://127.0.0.1:9130 REALSERVER_COMMIT=<commit> go test -tags realserver -run TestRecordRealServer ./internal/realserver/reruncheck/
func TestRecordRealServer(t *testing.T) {
	server := os.Getenv("REALSERVER_URL")
	if server == "" {
		t.Fatal("set REALSERVER_URL to a running inngest dev server")
	}
	app := os.Getenv("REALSERVER_APP")
	if app == "" {
		app = "127.0.0.1:9136"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cases, err := Run(ctx, server, app)
	require.NoError(t, err)
	b, err := json.MarshalIndent(Recording{
		About:  "POST /v2/runs/{id}/rerun on the real dev server: whole reruns, reruns from a step (with and without input), the error answers; recorded by internal/realserver/reruncheck TestRecordRealServer",
		Server: "inngest dev --no-discovery --no-poll --tick 50 (" + os.Getenv("REALSERVER_COMMIT") + ")",
		Cases:  cases,
	}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/rerun.json", append(b, '\n'), 0o644))
}
