package serve_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// TestCheckpointFailsOnceMidRun: the checkpoint API fails on the first flush (a full
// batch, mid-run) and would succeed afterwards. The buffered steps must still reach
// the server exactly once, either checkpointed or in the 206; the call must not end
// in an error that loses them.
func TestCheckpointFailsOnceMidRun(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{BatchSteps: 3, BatchInterval: time.Hour}})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "ten"}, inngest.OnEvent(evTest), tenSteps))
	rec := post(h, "wirecap-ten", "", call{}.body())
	cps := api.requests("/v1/checkpoint/")
	t.Logf("status %d, %d checkpoint calls, body %s", rec.Code, len(cps), rec.Body.String())
	require.Equal(t, 206, rec.Code, "steps must not be lost: %s", rec.Body.String())
	require.Len(t, decodeOps(t, rec.Body.Bytes()), 3)
	require.Len(t, cps, 1, "a failed checkpoint is not retried within the call; its steps go out in the 206")
}
