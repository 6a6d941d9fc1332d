package main

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
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// TestServeWithServer runs the app the way --server <url> does: no embedded
// engine; it syncs with an external server (here an engine behind httptest,
// standing in for `inngest dev`), which then runs its functions.
func TestServeWithServer(t *testing.T) {
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
	svc, err := serve(ctx, serveOptions{serverURL: dev.URL, config: app.Config{DataDir: t.TempDir(), Logger: quiet}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.close(context.Background()) })
	require.Nil(t, svc.engine)
	require.Equal(t, dev.URL, svc.Client.EventAPIBaseURL())
	require.Equal(t, dev.URL, svc.Client.APIBaseURL())

	resp, err := http.Post(svc.url+"/api/auth/signup", "application/json", bytes.NewBufferString(`{"email":"alice@example.com","name":"Alice"}`))
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
	require.NoError(t, eng.WaitFor(wctx, func(runs []runtype.Run) bool {
		for _, r := range runs {
			if r.FunctionID == "ticket-bounty-send-email" && r.Status == runtype.StatusCompleted {
				return true
			}
		}
		return false
	}))
	ms, err := svc.Store.Messages(ctx, store.MessageFilter{Template: "welcome", UserID: out.User.ID})
	require.NoError(t, err)
	require.Len(t, ms, 1)
}

// TestServerFlag: --server must be an absolute URL, and the demo refuses to
// run without the embedded engine.
func TestServerFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not a URL", []string{"--server", "8288"}, "--server: want an absolute URL"},
		{"demo on a server", []string{"--server", "http://127.0.0.1:1", "--exit-after-demo"}, "the demo needs the embedded engine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(append(tt.args, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"), &out)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
