package realtimehub

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParseToken: any string is a token or a clear ErrToken, never a panic;
// a token that parses was signed with the secret.
func FuzzParseToken(f *testing.F) {
	secret := []byte("fuzz")
	now := time.Unix(1_800_000_000, 0)
	h := New(context.Background(), Options{Secret: secret, Now: func() time.Time { return now }})
	good, err := h.Mint([]Topic{{Kind: "run", Channel: "c", Name: "t"}}, false)
	require.NoError(f, err)
	for _, s := range []string{good, "", ".", "..", "a.b.c", good + "x", good[:len(good)-2], "eyJhbGciOiJub25lIn0.e30."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseToken(secret, tok, now)
		if err != nil {
			require.ErrorIs(t, err, ErrToken)
			return
		}
		require.Equal(t, Issuer, c.Issuer)
		// A parsed token re-signs to the same signing input only if it was ours:
		_, err = ParseToken([]byte("another"), tok, now)
		require.Error(t, err)
	})
}

// FuzzClientFrame: a WebSocket client's frame never panics the hub and only
// a valid token adds topics.
func FuzzClientFrame(f *testing.F) {
	h := New(context.Background(), Options{Secret: []byte("fuzz")})
	tok, _ := h.Mint([]Topic{{Kind: "run", Channel: "c", Name: "t"}}, false)
	for _, s := range []string{`{"kind":"sub","data":"` + tok + `"}`, `{"kind":"unsub","data":[{"channel":"c","name":"t"}]}`, `{}`, `null`, `[`, `{"kind":"sub","data":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newSubscriber(h, nil)
		h.clientFrame(s, b)
		h.mu.RLock()
		n := len(s.topics)
		h.mu.RUnlock()
		if n > 0 {
			var fr clientFrame
			require.NoError(t, json.Unmarshal(b, &fr))
			require.Equal(t, KindSubscribe, fr.Kind)
		}
		h.remove(s)
	})
}

type countConn struct {
	n  *atomic.Int64
	wg *sync.WaitGroup
}

func (c countConn) write([]byte) error {
	c.n.Add(1)
	c.wg.Done()
	return nil
}
func (countConn) keepalive() error { return nil }
func (countConn) close(bool)       {}

// BenchmarkFanout1000 publishes one message to 1,000 subscribers and waits
// until every subscriber's writer has written it.
func BenchmarkFanout1000(b *testing.B) {
	h := New(context.Background(), Options{})
	var n atomic.Int64
	var wg sync.WaitGroup
	subs := make([]*subscriber, 1000)
	for i := range subs {
		s := newSubscriber(h, countConn{n: &n, wg: &wg})
		h.add(s, []Topic{{Channel: "c", Name: "t"}})
		subs[i] = s
		go s.run(false)
	}
	data := json.RawMessage(`{"stage":"validated","ticket":42}`)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		wg.Add(len(subs))
		if got := h.PublishData("c", "t", data); got != len(subs) {
			b.Fatalf("delivered to %d", got)
		}
		wg.Wait()
	}
	b.StopTimer()
	wg.Add(len(subs)) // the closing message
	h.Close()
	for _, s := range subs {
		<-s.done
	}
}
