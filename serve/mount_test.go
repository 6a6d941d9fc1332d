package serve_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// TestMounting serves the handler from net/http's ServeMux and from a chi router and
// drives introspection, sync and a call over real connections.
func TestMounting(t *testing.T) {
	t.Parallel()
	for _, router := range []string{"ServeMux", "chi"} {
		t.Run(router, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				_, _ = w.Write([]byte(`{"ok":true,"modified":true}`))
			})
			c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
			cf := newCountingFn(t, c)
			h := serve.Handler(c, cf.fn)
			var root http.Handler
			switch router {
			case "ServeMux":
				mux := http.NewServeMux()
				mux.Handle("/api/inngest", h)
				root = mux
			case "chi":
				r := chi.NewRouter()
				r.Handle("/api/inngest", h)
				root = r
			}
			srv := httptest.NewServer(root)
			defer srv.Close()
			client := srv.Client()

			resp, err := client.Get(srv.URL + "/api/inngest")
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, sdkHeader, resp.Header.Get("X-Inngest-SDK"))
			require.Contains(t, string(body), `"function_count":1`)

			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/inngest", nil)
			resp, err = client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			regs := api.requests("/fn/register")
			require.Len(t, regs, 1)
			var reg wire.RegisterRequest
			require.NoError(t, json.Unmarshal(regs[0].Body, &reg))
			require.Equal(t, srv.URL+"/api/inngest", reg.URL)
			require.Equal(t, srv.URL+"/api/inngest?fnId=wirecap-counted&stepId=step", reg.Functions[0].Steps["step"].Runtime.URL)

			resp, err = client.Post(reg.Functions[0].Steps["step"].Runtime.URL, "application/json", strings.NewReader(string(call{}.body())))
			require.NoError(t, err)
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, 206, resp.StatusCode, string(body))
			require.Equal(t, "StepRun", decodeOps(t, body)[0].Op)
			require.EqualValues(t, 1, cf.runs.Load())

			resp, err = client.Get(srv.URL + "/elsewhere")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 404, resp.StatusCode)
		})
	}
}
