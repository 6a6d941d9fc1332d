package engine_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

func newEndpointEngine(t testing.TB) *engine.Engine {
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, eng.Close()) })
	return eng
}

const goodNewRun = `{"run_id":"01KBX0000000000000000000A1","event":{"name":"inngest/http.request","data":{"domain":"http://127.0.0.1:1","method":"POST","path":"/orders","body":"e30="}},"steps":[{"op":"StepRun","id":"a","name":"a","data":1}],"request_version":2,"retries":2}`

// The checkpoint API's new-run endpoint refuses bad input with 400 and a
// reason, and answers a good request as the server does: the function's and
// app's ids and, since the run has steps, a token for its output.
func TestNewRunEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"not json", `{`, 400, "Invalid request body"},
		{"bad run id", `{"run_id":"nope","event":{"data":{"domain":"http://x","method":"GET"}}}`, 400, "run_id is not a ULID"},
		{"no domain", `{"run_id":"01KBX0000000000000000000A2","event":{"data":{"method":"GET"}}}`, 400, "domain"},
		{"unknown op", `{"run_id":"01KBX0000000000000000000A3","event":{"data":{"domain":"http://x","method":"GET"}},"steps":[{"op":"Nope","id":"a"}]}`, 400, "unknown op"},
		{"good", goodNewRun, 200, `"token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng := newEndpointEngine(t)
			rec := httptest.NewRecorder()
			eng.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/checkpoint", strings.NewReader(tc.body)))
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), tc.want)
			if tc.status != 200 {
				return
			}
			var resp struct {
				Data map[string]string `json:"data"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			require.Equal(t, "01KBX0000000000000000000A1", resp.Data["run_id"])
			require.NotEmpty(t, resp.Data["fn_id"])
			require.NotEmpty(t, resp.Data["app_id"])
			run, err := eng.Run("01KBX0000000000000000000A1")
			require.NoError(t, err)
			require.Equal(t, runtype.StatusRunning, run.Status)
			require.Equal(t, 3, run.MaxAttempts)

			// A wrong token gets 401, not the run's output.
			rec = httptest.NewRecorder()
			eng.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/checkpoint/01KBX0000000000000000000A1/output?token=x", nil))
			require.Equal(t, http.StatusUnauthorized, rec.Code)
		})
	}
}

// The sync checkpoint decoders never crash and never answer 5xx on any input.
func FuzzSyncCheckpoint(f *testing.F) {
	f.Add(goodNewRun)
	f.Add(`{"run_id":"01KBX0000000000000000000A1","steps":[{"op":"RunComplete","id":"c","data":{"status":500}}]}`)
	f.Add(`{"steps":[{"op":"StepError","id":"c","error":{"name":"E"}}]}`)
	eng := newEndpointEngine(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/checkpoint", "/v1/checkpoint/01KBX0000000000000000000A1/steps"} {
			rec := httptest.NewRecorder()
			eng.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			require.Less(t, rec.Code, 500, rec.Body.String())
		}
	})
}
