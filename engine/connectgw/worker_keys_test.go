package connectgw

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

// keyLog records, for every request the worker makes to the API, its path,
// which key it was signed with and the answer's status.
type keyLog struct {
	rt    http.RoundTripper
	names map[string]string // "Bearer <hashed key>" -> name
	mu    sync.Mutex
	seen  []string
}

func (k *keyLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	name, ok := k.names[r.Header.Get("Authorization")]
	if !ok {
		name = "other"
	}
	k.mu.Lock()
	k.seen = append(k.seen, fmt.Sprintf("%s %s %d", r.URL.Path, name, resp.StatusCode))
	k.mu.Unlock()
	return resp, nil
}

func (k *keyLog) starts() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, s := range k.seen {
		if strings.HasPrefix(s, "/v0/connect/start ") {
			out = append(out, strings.TrimPrefix(s, "/v0/connect/start "))
		}
	}
	return out
}

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkerSigningKeys: against a gateway that wants the engine's signing
// key, a cloud-mode worker connects with it (hashed), and after a rotation
// (a new key first, the engine's as INNGEST_SIGNING_KEY_FALLBACK) it is
// refused on the new key, connects on the fallback, runs a function, and
// reconnects on the fallback after a drain. With neither key right Run
// returns ErrUnauthorized at once, naming both keys, and logs it as an error
// instead of retrying forever.
func TestWorkerSigningKeys(t *testing.T) {
	t.Parallel()
	other := "signkey-test-" + strings.Repeat("ab", 32)
	third := "signkey-test-" + strings.Repeat("cd", 32)
	tests := []struct {
		name, key, fallback string
		starts              []string // the first start requests: key and status
		refused             bool
	}{
		{name: "signing key", key: testKey, starts: []string{"engine 200"}},
		{name: "rotated: refused on the new key, accepted on the fallback", key: other, fallback: testKey,
			starts: []string{"new 401", "engine 200"}},
		{name: "wrong key, no fallback", key: other, starts: []string{"new 401"}, refused: true},
		{name: "wrong key and wrong fallback", key: other, fallback: third, starts: []string{"new 401", "third 401"}, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{SigningKey: testKey}, Options{})
			kl := &keyLog{rt: http.DefaultTransport, names: map[string]string{
				"Bearer " + wire.HashSigningKey(testKey): "engine",
				"Bearer " + wire.HashSigningKey(other):   "new",
				"Bearer " + wire.HashSigningKey(third):   "third",
			}}
			logs := &syncBuffer{}
			logger := slog.New(slog.NewTextHandler(logs, nil))
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "keys", Mode: inngest.ModeCloud,
				SigningKey: tt.key, SigningKeyFallback: tt.fallback, BaseURL: e.srv.URL,
				HTTPClient: &http.Client{Transport: kl}, Logger: logger})
			require.NoError(t, err)
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "greet"},
				inngest.OnEvent(events.Define[orderData]("keys/greet.asked")),
				func(ctx context.Context, in inngest.Input[orderData]) (int, error) {
					return step.Run(ctx, "double", func(ctx context.Context) (int, error) { return in.Event.Data.N * 2, nil })
				})
			require.NoError(t, err)
			w, err := connect.New(c, connect.Options{InstanceID: "keys-1", Logger: logger,
				ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond, ReplyAckTimeout: 200 * time.Millisecond}, fn)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()

			if tt.refused {
				select {
				case err := <-done:
					require.ErrorIs(t, err, connect.ErrUnauthorized)
					require.Contains(t, err.Error(), "401")
					if tt.fallback != "" {
						require.Contains(t, err.Error(), "signing key and its fallback")
					}
				case <-time.After(testBound):
					t.Fatal("Run kept retrying a refused key")
				}
				require.Equal(t, tt.starts, kl.starts(), "one start per key, no retry loop")
				require.Contains(t, logs.String(), "level=ERROR")
				require.Contains(t, logs.String(), "signing key refused")
				require.False(t, w.Ready())
				return
			}

			require.Eventually(t, w.Ready, testBound, 5*time.Millisecond)
			require.Equal(t, tt.starts, kl.starts())
			ids, err := e.eng.SendJSON(context.Background(), []byte(`{"name":"keys/greet.asked","data":{"n":21}}`))
			require.NoError(t, err)
			rctx, rcancel := context.WithTimeout(context.Background(), testBound)
			defer rcancel()
			runs, err := e.eng.WaitForEventRuns(rctx, ids[0], 1)
			require.NoError(t, err)
			require.Equal(t, runtype.StatusCompleted, runs[0].Status, historyText(runs[0]))
			require.JSONEq(t, `42`, string(runs[0].Output))

			// A drain makes the worker start again: on the same key that worked.
			first := e.gw.Connections()[0].ID
			require.NoError(t, e.gw.Drain(context.Background()))
			require.Eventually(t, func() bool {
				for _, ci := range e.gw.Connections() {
					if ci.ID != first && ci.Status == "READY" {
						return true
					}
				}
				return false
			}, testBound, 5*time.Millisecond, "the worker reconnected")
			st := kl.starts()
			require.Greater(t, len(st), len(tt.starts))
			require.Equal(t, "engine 200", st[len(st)-1])
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(testBound):
				t.Fatal("worker did not stop")
			}
			require.NotContains(t, logs.String(), "level=ERROR")
		})
	}
}
