//go:build realserver

package connectkinds

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRecordRealServer runs the fixture through the Connect worker against a
// real dev server started by hand and writes the recording:
//
//	REALSERVER_URL=http://127.0.0.1:9160 go test -tags realserver -run TestRecordRealServer -v ./internal/realserver/connectkinds/
//
// It fails unless every kind ended as intended; the table it logs is the
// closing note's.
func TestRecordRealServer(t *testing.T) {
	server := os.Getenv("REALSERVER_URL")
	require.NotEmpty(t, server, "set REALSERVER_URL to a running inngest dev server")
	var logger *slog.Logger
	if testing.Verbose() {
		logger = slog.Default()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rec, err := Run(ctx, Config{Origin: server, Logger: logger}, strconv.FormatInt(time.Now().UnixNano(), 36))
	require.NoError(t, err)
	t.Log("\n" + Table(rec))
	check(t, rec)
	rec.About = "every kind of step through this module's Connect worker (worker heartbeat and lease extension every 1 s) on the real dev server; frames as the tap between worker and gateway forwarded them; recorded by internal/realserver/connectkinds TestRecordRealServer"
	rec.Server = "inngest dev --no-discovery --no-poll --tick 50 (" + os.Getenv("REALSERVER_COMMIT") + ")"
	b, err := json.MarshalIndent(rec, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/connect/worker/kinds.json", append(b, '\n'), 0o644))
}
