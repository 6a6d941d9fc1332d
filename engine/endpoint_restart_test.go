package engine_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// An endpoint run handed over with a step error survives an engine restart:
// the new engine, which never saw the run's function, rebuilds it from the
// run's event and calls the endpoint back at the request's URL.
func TestEndpointRunResumesAfterRestart(t *testing.T) {
	t.Parallel()
	var resumes atomic.Int32
	var gotPath, gotMethod, gotBody atomic.Value
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resumes.Add(1)
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		gotPath.Store(r.URL.RequestURI())
		gotMethod.Store(r.Method)
		gotBody.Store(b.String())
		w.Header().Set("X-Inngest-Sdk", "inngest-go:v0.1.0")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte(`[{"op":"SyncRunComplete","id":"c","data":{"data":{"status":200,"body":"{\"ok\":true}"}}}]`))
	}))
	defer app.Close()

	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
	require.NoError(t, err)
	defer st.Close()
	backoff := func(int) time.Duration { return 300 * time.Millisecond }
	eng, err := engine.New(engine.Options{Store: st, RetryBackoff: backoff})
	require.NoError(t, err)
	post := func(path, body string) {
		rec := httptest.NewRecorder()
		eng.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	const run = "01KBX0000000000000000000R1"
	post("/v1/checkpoint", `{"run_id":"`+run+`","event":{"name":"inngest/http.request","data":{"domain":"`+app.URL+`","method":"PUT","path":"/orders/7","query_params":"a=1","body":"eyJuIjoxfQ=="}},"steps":[{"op":"StepRun","id":"s","name":"s","data":1}],"retries":3}`)
	post("/v1/checkpoint/"+run+"/steps", `{"run_id":"`+run+`","steps":[{"op":"StepError","id":"c","name":"complete","error":{"name":"Error","message":"boom"}}]}`)
	require.NoError(t, eng.Close())
	require.Zero(t, resumes.Load(), "the retry was not due before the restart")

	eng2, err := engine.New(engine.Options{Store: st, RetryBackoff: backoff})
	require.NoError(t, err)
	defer eng2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := eng2.WaitForRun(ctx, run)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, r.Status)
	require.JSONEq(t, `{"ok":true}`, string(r.Output))
	require.EqualValues(t, 1, resumes.Load())
	require.Equal(t, "/orders/7?a=1", gotPath.Load())
	require.Equal(t, http.MethodPut, gotMethod.Load())
	require.Equal(t, `{"n":1}`, gotBody.Load())
}
