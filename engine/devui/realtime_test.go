package devui_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
)

// TestRealtimePage: the realtime page mints a token for the channel's topics
// and points the page's stream at the engine's SSE endpoint, which then
// carries what is published on the channel; without topics it says so.
func TestRealtimePage(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptestServer(t, devui.Handler(eng, devui.Options{}))

	st, body := get(t, srv+"/realtime")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, `id="rt-channel"`)
	require.NotContains(t, body, `id="rt-stream"`)
	_, body = get(t, srv+"/realtime?channel=ticket:1")
	require.Contains(t, body, "name at least one topic")

	_, body = get(t, srv+"/realtime?channel=ticket:1&topics=stage,+other")
	m := regexp.MustCompile(`id="rt-stream" data-sse="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, m, 2, body)
	resp, err := http.Get(srv + strings.ReplaceAll(m[1], "&amp;", "&"))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- l
			}
		}
		close(lines)
	}()
	require.Eventually(t, func() bool { return eng.Realtime().PublishData("ticket:1", "other", json.RawMessage(`{"n":1}`)) == 1 }, 5*time.Second, 10*time.Millisecond)
	select {
	case l := <-lines:
		require.Contains(t, l, `"channel":"ticket:1"`)
		require.Contains(t, l, `"topic":"other"`)
	case <-time.After(5 * time.Second):
		t.Fatal("the page's stream carried nothing")
	}
	resp.Body.Close()
}
