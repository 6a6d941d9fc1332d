package realtimehub_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/realtimehub"
)

func mint(t *testing.T, base string, channel string, topics ...string) string {
	t.Helper()
	var body []map[string]string
	for _, tp := range topics {
		body = append(body, map[string]string{"kind": "run", "channel": channel, "name": tp})
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(base+"/v1/realtime/token", "application/json", strings.NewReader(string(b)))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var out struct{ JWT string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.JWT
}

func dial(t *testing.T, base, tok string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(base, "http")+"/v1/realtime/connect?token="+tok, nil)
	require.NoError(t, err)
	c.SetReadLimit(1 << 20)
	return c
}

// A subscriber that stops reading is disconnected once its queue is over its
// bound (1013 try again later), and the hub's memory for it is released: the
// others keep receiving.
func TestSlowSubscriberIsDisconnected(t *testing.T) {
	t.Parallel()
	hub := realtimehub.New(t.Context(), realtimehub.Options{QueueLen: 8, QueueBytes: 1 << 20})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	tok := mint(t, srv.URL, "c", "t")
	slow := dial(t, srv.URL, tok)
	defer slow.CloseNow()
	fast := dial(t, srv.URL, tok)
	defer fast.CloseNow()
	require.Eventually(t, func() bool { return hub.Subscribers() == 2 }, 5*time.Second, 10*time.Millisecond)

	got := make(chan int, 1)
	go func() {
		n := 0
		for {
			_, _, err := fast.Read(t.Context())
			if err != nil {
				got <- n
				return
			}
			n++
		}
	}()
	payload, _ := json.Marshal(strings.Repeat("x", 200<<10))
	for i := 0; i < 400 && hub.SlowDisconnects() == 0; i++ {
		hub.PublishData("c", "t", payload)
		time.Sleep(time.Millisecond) // let the fast reader keep up; the slow one never reads
	}
	require.Equal(t, int64(1), hub.SlowDisconnects())
	// The slow one's socket ends with the hub's close status once its buffered frames are read.
	var err error
	for err == nil {
		_, _, err = slow.Read(t.Context())
	}
	require.Equal(t, websocket.StatusTryAgainLater, websocket.CloseStatus(err))
	require.Eventually(t, func() bool { return hub.Subscribers() == 1 }, 5*time.Second, 10*time.Millisecond)
	fast.Close(websocket.StatusNormalClosure, "")
	require.Positive(t, <-got)
}

// Closing the hub sends every subscriber a "closing" message and ends the
// connection.
func TestHubCloseSendsClosing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	hub := realtimehub.New(ctx, realtimehub.Options{})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	tok := mint(t, srv.URL, "c", "t")
	ws := dial(t, srv.URL, tok)
	defer ws.CloseNow()
	require.Eventually(t, func() bool { return hub.Subscribers() == 1 }, 5*time.Second, 10*time.Millisecond)
	sse, err := http.Get(srv.URL + "/v1/realtime/sse?token=" + tok)
	require.NoError(t, err)
	defer sse.Body.Close()
	require.Eventually(t, func() bool { return hub.Subscribers() == 2 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	_, b, err := ws.Read(t.Context())
	require.NoError(t, err)
	require.Contains(t, string(b), `"kind":"closing"`)
	rest, _ := io.ReadAll(sse.Body)
	require.Contains(t, string(rest), `data: {"kind":"closing"`)
	_, _, err = ws.Read(t.Context())
	require.Error(t, err)
}

// Tokens the hub did not sign, or that it signed but are expired, in the
// future, of another issuer or algorithm, are refused with 401 on both
// subscribe endpoints; so are subscribes to what a token does not grant
// simply not delivered.
func TestHostileTokens(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	hub := realtimehub.New(t.Context(), realtimehub.Options{Secret: []byte("k"), Now: clock})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	good := mint(t, srv.URL, "c", "t")
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	other := realtimehub.New(t.Context(), realtimehub.Options{Secret: []byte("other")})
	foreign, err := other.Mint([]realtimehub.Topic{{Kind: "run", Channel: "c", Name: "t"}}, false)
	require.NoError(t, err)
	for name, tok := range map[string]string{
		"empty": "", "garbage": "abc", "two parts": "a.b", "alg none": none, "foreign key": foreign,
		"padded": parts[0] + "=." + parts[1] + "." + parts[2], "bad base64": parts[0] + ".!!!." + parts[2],
	} {
		for _, path := range []string{"/v1/realtime/sse", "/v1/realtime/connect"} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name+" "+path)
			require.JSONEq(t, `{"error":"Not authenticated","data":null,"status":401}`, string(b), name)
		}
	}
	// The same token expires after 60 s.
	now = now.Add(61 * time.Second)
	resp, err := http.Get(srv.URL + "/v1/realtime/sse?token=" + good)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// With a signing-key check, publish and token requests without the key are
// refused; a subscription token cannot publish.
func TestPublishAuth(t *testing.T) {
	t.Parallel()
	hub := realtimehub.New(t.Context(), realtimehub.Options{Authorized: func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer key"
	}})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	post := func(path, auth, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, _ := post("/v1/realtime/token", "", `[{"kind":"run","channel":"c","name":"t"}]`)
	require.Equal(t, http.StatusUnauthorized, st)
	st, body := post("/v1/realtime/token", "Bearer key", `[{"kind":"run","channel":"c","name":"t"}]`)
	require.Equal(t, http.StatusCreated, st)
	var tok struct{ JWT string }
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	st, _ = post("/v1/realtime/publish?channel=c&topic=t", "", `{}`)
	require.Equal(t, http.StatusUnauthorized, st)
	st, body = post("/v1/realtime/publish?channel=c&topic=t", "Bearer "+tok.JWT, `{}`)
	require.Equal(t, http.StatusUnauthorized, st)
	require.Contains(t, body, "Not authenticated for publishing")
	st, _ = post("/v1/realtime/publish?channel=c&topic=t", "Bearer key", `{}`)
	require.Equal(t, http.StatusOK, st)
	st, _ = post("/v1/realtime/publish?channel=c&topic=t&metadata=%7Bbad", "Bearer key", `{}`)
	require.Equal(t, http.StatusBadRequest, st)
	st, _ = post("/v1/realtime/publish/tee?channel=c", "", `x`)
	require.Equal(t, http.StatusUnauthorized, st)
}

// An "unsub" frame removes topics from a WebSocket subscription; junk frames
// are ignored and the connection stays up.
func TestWebSocketUnsubscribe(t *testing.T) {
	t.Parallel()
	hub := realtimehub.New(t.Context(), realtimehub.Options{})
	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	ws := dial(t, srv.URL, mint(t, srv.URL, "c", "a", "b"))
	defer ws.CloseNow()
	require.Eventually(t, func() bool { return hub.PublishData("c", "a", json.RawMessage(`1`)) == 1 }, 5*time.Second, 10*time.Millisecond)
	_, _, err := ws.Read(t.Context())
	require.NoError(t, err)
	for _, junk := range []string{`nope`, `{"kind":"sub","data":5}`, `{"kind":"sub","data":"x.y.z"}`, `{"kind":"unsub","data":"x"}`, `{}`} {
		require.NoError(t, ws.Write(t.Context(), websocket.MessageText, []byte(junk)))
	}
	require.NoError(t, ws.Write(t.Context(), websocket.MessageText, []byte(`{"kind":"unsub","data":[{"kind":"run","channel":"c","name":"a"}]}`)))
	require.Eventually(t, func() bool { return hub.PublishData("c", "a", json.RawMessage(`2`)) == 0 }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, hub.PublishData("c", "b", json.RawMessage(`3`)))
	for { // frames of "a" published before the unsub took effect may come first
		_, b, err := ws.Read(t.Context())
		require.NoError(t, err)
		if strings.Contains(string(b), `"topic":"b"`) {
			break
		}
		require.Contains(t, string(b), `"topic":"a"`)
	}
}
