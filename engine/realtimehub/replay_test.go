package realtimehub_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/realtimehub"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/rtscript"
)

func loadRecording(t *testing.T, name string) *rtscript.Recording {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "realtime", name))
	require.NoError(t, err)
	var rec rtscript.Recording
	require.NoError(t, json.Unmarshal(b, &rec))
	return &rec
}

// normalise re-encodes the recording's JSON values so that key order and
// spacing do not matter.
func normalise(t *testing.T, rec *rtscript.Recording) *rtscript.Recording {
	t.Helper()
	re := func(raw json.RawMessage) json.RawMessage {
		if raw == nil {
			return nil
		}
		var v any
		require.NoError(t, json.Unmarshal(raw, &v))
		b, _ := json.Marshal(v)
		return b
	}
	out := *rec
	out.Server = rtscript.Server{}
	out.Exchanges = append([]rtscript.Exchange(nil), rec.Exchanges...)
	for i := range out.Exchanges {
		out.Exchanges[i].Response = re(out.Exchanges[i].Response)
	}
	out.Subs = append([]rtscript.Subscription(nil), rec.Subs...)
	for i := range out.Subs {
		fr := make([]json.RawMessage, len(out.Subs[i].Frames))
		for j, f := range out.Subs[i].Frames {
			fr[j] = re(f)
		}
		out.Subs[i].Frames = fr
	}
	return &out
}

// The engine refuses an oversized publish (413) where the server truncates
// it to 512 KiB and delivers the rest as a JSON string (200).
func applyKnownDiffs(t *testing.T, rec *rtscript.Recording) {
	for i, ex := range rec.Exchanges {
		if ex.Name == "publish-oversized" {
			rec.Exchanges[i].Status = 413
			rec.Exchanges[i].RespType = "application/json"
			rec.Exchanges[i].Response = json.RawMessage(`{"data":null,"error":"message too large: the limit is 524288 bytes","status":413}`)
		}
	}
	for i, s := range rec.Subs {
		var keep []json.RawMessage
		for _, f := range s.Frames {
			var m map[string]any
			if json.Unmarshal(f, &m) == nil && m["data"] == "<string of 524288 bytes>" {
				continue
			}
			keep = append(keep, f)
		}
		if keep == nil {
			keep = []json.RawMessage{}
		}
		rec.Subs[i].Frames = keep
	}
}

// TestReplayAPI runs the recorded script against the hub over real HTTP and
// WebSocket connections and compares every answer and every frame each
// subscriber saw with the real dev server's.
func TestReplayAPI(t *testing.T) {
	t.Parallel()
	hub := realtimehub.New(t.Context(), realtimehub.Options{})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	got, err := rtscript.Run(t.Context(), rtscript.Options{Base: srv.URL})
	require.NoError(t, err)
	want := normalise(t, loadRecording(t, "api.json"))
	applyKnownDiffs(t, want)
	got = normalise(t, got)
	require.Equal(t, len(want.Exchanges), len(got.Exchanges))
	for i := range want.Exchanges {
		require.Equal(t, want.Exchanges[i], got.Exchanges[i], want.Exchanges[i].Name)
	}
	require.Equal(t, len(want.Subs), len(got.Subs))
	for i := range want.Subs {
		require.Equal(t, want.Subs[i], got.Subs[i], want.Subs[i].Name)
	}
}

// TestReplayRun runs the recorded function on the embedded engine (real serve
// handler, real HTTP publishes from its steps) and compares what the two
// subscribers saw with the real dev server's.
func TestReplayRun(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "rt-rec"})
	fn, err := rtscript.RunFunction(env.Client(), env.URL(), "", nil)
	require.NoError(t, err)
	env.Serve(fn)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	got, err := rtscript.RunScenario(ctx, rtscript.Options{Base: env.URL()}, func(ctx context.Context) error {
		_, err := env.Client().Send(ctx, rtscript.RunRequested.New(struct {
			N int `json:"n"`
		}{N: 1}))
		return err
	}, 500*time.Millisecond)
	require.NoError(t, err)
	want := normalise(t, loadRecording(t, "run.json"))
	require.Equal(t, want.Exchanges, normalise(t, got).Exchanges)
	require.Equal(t, want.Subs, normalise(t, got).Subs)
}
