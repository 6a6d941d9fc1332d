package events_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

// wireEvents returns the events a real dev server sent in its calls, from the
// module's wire captures (../testdata/wire/*.jsonl: every events[] of a call body,
// each distinct event once, bytes as captured).
func wireEvents(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "wire", "*.jsonl"))
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	seen := map[string]bool{}
	var out [][]byte
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(tb, err)
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var line struct {
				Dir     string `json:"dir"`
				ReqBody struct {
					Events []json.RawMessage `json:"events"`
				} `json:"req_body"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Dir != "server->sdk" {
				continue // the sync's req_body is a string
			}
			for _, ev := range line.ReqBody.Events {
				if !seen[string(ev)] {
					seen[string(ev)] = true
					out = append(out, ev)
				}
			}
		}
		require.NoError(tb, sc.Err())
		require.NoError(tb, f.Close())
	}
	require.NotEmpty(tb, out)
	return out
}

type timerData struct {
	Cron        string    `json:"cron"`
	FireAt      time.Time `json:"fireAt"`
	ScheduledAt time.Time `json:"scheduledAt"`
}

type failedData struct {
	FunctionID string `json:"function_id"`
	RunID      string `json:"run_id"`
	Error      struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
	Event map[string]any `json:"event"`
}

func TestDecodeWireEvents(t *testing.T) {
	t.Parallel()
	timer := events.Internal[timerData]("inngest/scheduled.timer")
	failed := events.Internal[failedData]("inngest/function.failed")
	anyEvent := events.Define[map[string]any]("app/any.event")
	for _, raw := range wireEvents(t) {
		ev, err := anyEvent.Decode(raw)
		require.NoError(t, err)
		require.NotEmpty(t, ev.Name)
		require.NotZero(t, ev.TS)
		require.NotNil(t, ev.User, "the server sends user:{}")

		switch ev.Name {
		case timer.EventName():
			te, err := timer.Decode(raw)
			require.NoError(t, err)
			require.Equal(t, "* * * * *", te.Data.Cron)
			require.Equal(t, te.Data.FireAt.UnixMilli(), te.TS)
			require.Equal(t, "2026-11-26T21:01:00Z", te.ID)
		case failed.EventName():
			fe, err := failed.Decode(raw)
			require.NoError(t, err)
			require.Equal(t, "Error", fe.Data.Error.Name)
			require.NotEmpty(t, fe.Data.Error.Message)
			require.Equal(t, fe.ID, fe.Data.RunID, "the event id is the failed run's id")
			require.Equal(t, "wirecap/fail-noretry", fe.Data.Event["name"])
		case "inngest/function.invoked":
			type childInput struct {
				From string `json:"from,omitempty"`
			}
			_, err := events.Define[childInput]("app/child.run").Decode(raw)
			require.NoError(t, err, "the _inngest key must not break validation")
		}
	}
}
