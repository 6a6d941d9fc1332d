package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// FuzzSyncRequest sends arbitrary PUT bodies and sync-kind headers to a dev-mode
// handler whose API answers every register: it must never panic and always answer
// JSON (or the empty-body forms) with the SDK headers.
func FuzzSyncRequest(f *testing.F) {
	f.Add([]byte(`{"url":"http://localhost:3100/api/inngest"}`), "")
	f.Add([]byte(`{"url":"http://localhost:3100/api/inngest?deployId=d1&x=1"}`), "in_band")
	f.Add([]byte(``), "out_of_band")
	f.Add([]byte(`{"url":123}`), "")
	f.Add([]byte(`{"url":"::::"}`), "")
	f.Add([]byte(`[[[[[[[[[[`), "")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true,"modified":true}`))
	}))
	f.Cleanup(api.Close)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "fuzz", Mode: inngest.ModeDev, APIBaseURL: api.URL, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) (int, error) { return 1, nil })
	if err != nil {
		f.Fatal(err)
	}
	h := serve.Handler(c, fn)
	f.Fuzz(func(t *testing.T, body []byte, kind string) {
		hdr := map[string]string{}
		if kind != "" {
			hdr["X-Inngest-Sync-Kind"] = kind
		}
		rec := do(h, http.MethodPut, "/api/inngest", body, hdr)
		if rec.Header().Get("X-Inngest-SDK") == "" {
			t.Fatalf("missing SDK header: %v", rec.Header())
		}
		if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d, body is not JSON: %q", rec.Code, rec.Body.String())
		}
	})
}
