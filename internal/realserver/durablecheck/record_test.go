//go:build realserver

package durablecheck

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRecordRealServer runs the scenarios against a real dev server started by
// hand (REALSERVER_URL, e.g. http://127.0.0.1:9160; the endpoint listens on
// REALSERVER_APP, default 127.0.0.1:9166) and writes the recording:
//
//	REALSERVER_URL=http://127.0.0.1:9160 go test -tags realserver -run TestRecordRealServer ./internal/realserver/durablecheck/
func TestRecordRealServer(t *testing.T) {
	server := os.Getenv("REALSERVER_URL")
	if server == "" {
		t.Fatal("set REALSERVER_URL to a running inngest dev server")
	}
	app := os.Getenv("REALSERVER_APP")
	if app == "" {
		app = "127.0.0.1:9166"
	}
	res, err := Run(context.Background(), server, app)
	require.NoError(t, err)
	b, err := json.MarshalIndent(Recording{
		About:     "durable endpoints (package durable) on the real dev server: a step.Sleep, inline, a panic between steps, a step error; recorded by internal/realserver/durablecheck TestRecordRealServer",
		Server:    "inngest dev --no-discovery --no-poll --tick 50 (" + os.Getenv("REALSERVER_COMMIT") + ")",
		Scenarios: res,
	}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/durable-endpoints.json", append(b, '\n'), 0o644))
}

// TestSignedRealServer runs the scenarios against `inngest start` with a
// signing key (REALSERVER_SIGNED_URL, REALSERVER_SIGNING_KEY): the calls back
// must verify in cloud mode. Nothing is written; it fails on any run that does
// not finish as on the dev server.
func TestSignedRealServer(t *testing.T) {
	server, key := os.Getenv("REALSERVER_SIGNED_URL"), os.Getenv("REALSERVER_SIGNING_KEY")
	if server == "" || key == "" {
		t.Fatal("set REALSERVER_SIGNED_URL and REALSERVER_SIGNING_KEY")
	}
	res, err := RunSigned(context.Background(), server, "127.0.0.1:9168", key)
	require.NoError(t, err)
	for _, r := range res {
		require.Equal(t, "Completed", r.RunStatus, r.Name)
		for _, ex := range r.Exchanges {
			require.Less(t, ex.Status, 300, "%s: %+v", r.Name, ex)
		}
		t.Logf("%s: client %d, executions %v, %d exchanges", r.Name, r.ClientStatus, r.Executions, len(r.Exchanges))
	}
}
