package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// TestRuntimeWithDevServer runs the app the way INNGEST_DEV=<url> does: it
// registers with an external server (here an engine behind httptest,
// standing in for `inngest-cli dev`) and works unchanged.
func TestRuntimeWithDevServer(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	eng, err := engine.New(engine.Options{Logger: quiet})
	require.NoError(t, err)
	dev := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		_ = eng.Close()
		dev.Close()
	})
	ctx := context.Background()
	rt, err := app.Start(ctx, app.RuntimeOptions{DevServerURL: dev.URL, Config: app.Config{DataDir: t.TempDir(), Logger: quiet}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	require.Nil(t, rt.Engine)
	require.Equal(t, dev.URL, rt.Client.EventAPIBaseURL())

	resp, err := http.Post(rt.URL+"/api/auth/signup", "application/json", bytes.NewBufferString(`{"email":"alice@example.com","name":"Alice"}`))
	require.NoError(t, err)
	var out struct {
		User     store.User `json:"user"`
		EventIDs []string   `json:"event_ids"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, eng.WaitFor(wctx, func(runs []engine.Run) bool {
		for _, r := range runs {
			if r.FunctionID == "ticket-bounty-send-email" && r.Status == engine.StatusCompleted {
				return true
			}
		}
		return false
	}))
	ms, err := rt.Store.Messages(ctx, store.MessageFilter{Template: "welcome", UserID: out.User.ID})
	require.NoError(t, err)
	require.Len(t, ms, 1)
}
