package events_test

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

// wireEvents returns the events captured from a real dev server
// (testdata/wire-events.jsonl, one per line).
func wireEvents(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "wire-events.jsonl"))
	require.NoError(tb, err)
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	require.NoError(tb, sc.Err())
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
