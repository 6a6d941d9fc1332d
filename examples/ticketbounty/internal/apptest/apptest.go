package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
)

// Harness is a running app under test.
type Harness struct {
	Env *inngesttest.Env
	App *app.App
	API *httptest.Server
}

// Start builds the app with cfg (DataDir, client and logger are filled in)
// and serves it on a test environment started with opts.
func Start(t testing.TB, opts inngesttest.Options, cfg app.Config) *Harness {
	t.Helper()
	opts.AppID = app.AppID
	env := inngesttest.Start(t, opts)
	cfg.DataDir = t.TempDir()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Client = inngest.ClientOptions{Mode: inngest.ModeDev, APIBaseURL: env.URL(), EventAPIBaseURL: env.URL()}
	// The app learns its own URL first (pay-bounty fetches its /api/rates).
	api := httptest.NewUnstartedServer(nil)
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + api.Listener.Addr().String()
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		api.Close()
		t.Fatalf("apptest: %v", err)
	}
	api.Config.Handler = a.Router
	api.Start()
	t.Cleanup(func() {
		api.Close()
		_ = a.Close()
	})
	env.ServeClient(t, a.Client, a.Functions...)
	return &Harness{Env: env, App: a, API: api}
}

// Post sends a JSON request to the app's API and decodes the reply into
// out (when not nil); it fails the test unless the status is 2xx.
func (h *Harness) Post(t testing.TB, path string, body any, headers map[string]string, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, h.API.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := h.API.Client().Do(req)
	if err != nil {
		t.Fatalf("apptest: POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("apptest: POST %s: %s: %s", path, resp.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("apptest: POST %s: decoding %s: %v", path, raw, err)
		}
	}
}

// SignUp signs a customer up through the API.
func (h *Harness) SignUp(t testing.TB, email, name string) (store.User, string) {
	t.Helper()
	var resp struct {
		User     store.User `json:"user"`
		EventIDs []string   `json:"event_ids"`
	}
	h.Post(t, "/api/auth/signup", map[string]string{"email": email, "name": name}, nil, &resp)
	return resp.User, resp.EventIDs[0]
}

// Messages polls the outbox until at least n messages match f (10 s at
// most) and returns them.
func (h *Harness) Messages(t testing.TB, f store.MessageFilter, n int) []store.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := h.App.Store.Messages(context.Background(), f)
		if err != nil {
			t.Fatalf("apptest: %v", err)
		}
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("apptest: %d of %d messages matching %+v in the outbox\n%s", len(ms), n, f, h.Env.Dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
