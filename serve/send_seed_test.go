package serve_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// step.SendEvent retried after a failed attempt sends the same event id seed, so
// the events get the same ids and the server drops the duplicates; another run or
// another step gets another seed.
func TestSendEventSeedIsStablePerRunAndStep(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway) // the first send fails: the step is retried
			return
		}
		_, _ = w.Write([]byte(`{"ids":["x"],"status":200}`))
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "sends"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) ([]string, error) {
			return step.SendEvent(ctx, "notify", evTest.New(anyData{"k": 1}))
		}))
	seeds := func() []string {
		var out []string
		for _, r := range api.requests("/e/") {
			out = append(out, r.Header.Get("X-Inngest-Event-Id-Seed"))
		}
		return out
	}
	rec := post(h, "wirecap-sends", "", call{Attempt: 0}.body())
	require.Equal(t, "StepError", decodeOps(t, rec.Body.Bytes())[0].Op, rec.Body.String())
	rec = post(h, "wirecap-sends", "", call{Attempt: 1}.body())
	require.Equal(t, "StepRun", decodeOps(t, rec.Body.Bytes())[0].Op, rec.Body.String())
	got := seeds()
	require.Len(t, got, 2)
	require.NotEmpty(t, got[0])
	require.Equal(t, got[0], got[1], "a retried send must reuse the seed")

	other := strings.Replace(string(call{}.body()), "01KRUN0000000000000000000", "01KRUN0000000000000000001", 1)
	post(h, "wirecap-sends", "", []byte(other))
	got = seeds()
	require.Len(t, got, 3)
	require.NotEqual(t, got[0], got[2], "another run gets another seed")
}
