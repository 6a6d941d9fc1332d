package engine_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
)

// TestSignalAPIErrors: POST /v1/signals answers bad input as the server does
// (publicerr bodies): 400 for a body that is not JSON, 500 for an empty
// signal name, 404 when no run waits, 401 without the key.
func TestSignalAPIErrors(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{Store: memstore.NewChecked(), Clock: engine.NewVirtualClock(t0), SigningKey: "signkey-test-12345678"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name, body, auth string
		status           int
		want             string
	}{
		{"not json", `{"signal":`, "Bearer signkey-test-12345678", 400, `{"data":null,"error":"Invalid signal data","status":400}`},
		{"empty name", `{"signal":"","data":1}`, "Bearer signkey-test-12345678", 500, `{"data":null,"error":"Failed to receive signal","status":500}`},
		{"nobody waits", `{"signal":"s","data":1}`, "Bearer signkey-test-12345678", 404, `{"data":null,"error":"No signal found","status":404}`},
		{"no key", `{"signal":"s"}`, "", 401, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/signals", strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, tc.status, resp.StatusCode, string(b))
			if tc.want != "" {
				require.JSONEq(t, tc.want, string(b))
			}
		})
	}
}

// FuzzSignalAPI: any body sent to POST /v1/signals or /v1/cancellations
// gets a status the server would give, never a crash.
func FuzzSignalAPI(f *testing.F) {
	for _, s := range []string{`{"signal":"s","data":{"a":1}}`, `{"signal":""}`, `{`, `null`, `[]`, `{"signal":1}`,
		`{"app_id":"a","function_id":"f","started_before":"2026-01-01T00:00:00Z","if":"event.data.x =="}`} {
		f.Add(s)
	}
	eng, err := engine.New(engine.Options{Store: memstore.NewChecked(), Clock: engine.NewVirtualClock(t0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close() })
	h := eng.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/signals", "/v1/cancellations"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			switch rec.Code {
			case 200, 400, 404, 500:
			default:
				t.Fatalf("%s %q: status %d", path, body, rec.Code)
			}
		}
	})
}
