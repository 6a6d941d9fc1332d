package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/timewarp"
)

// TestEmbeddedEngineServesTheUI: the embedded engine's address shows the web
// UI, with the demo's fast-forward clock, which its form moves ahead.
func TestEmbeddedEngineServesTheUI(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	clock := &timewarp.Clock{}
	svc, err := serve(context.Background(), serveOptions{config: app.Config{DataDir: t.TempDir(), Logger: quiet},
		engine: engine.Options{Clock: clock, Logger: quiet}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.close(context.Background()) })

	resp, err := http.Get(svc.serverURL + "/apps")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(b), "ticket-bounty-send-email")
	require.Contains(t, string(b), "virtual clock")

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Post(svc.serverURL+"/clock/advance", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"by": {"3h"}}.Encode()))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, 3*time.Hour, clock.Offset())
}
