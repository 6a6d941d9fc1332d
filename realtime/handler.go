package realtime

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Resolver says which channel and topics a request may read, typically from
// the request's session and path (a ticket the user owns). An error is
// answered with 403 and its text; return an *HTTPError for another status.
type Resolver func(r *http.Request) (channel string, topics []string, err error)

// HTTPError is a Resolver's refusal with its own status.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string { return e.Message }

func resolveError(w http.ResponseWriter, err error) {
	status := http.StatusForbidden
	var he *HTTPError
	if errors.As(err, &he) && he.Status >= 400 {
		status = he.Status
	}
	http.Error(w, err.Error(), status)
}

// TokenHandler answers a request with a subscription token (application/json,
// the Token fields: key, channel, topics, expires_at) for what resolve
// grants, minted with c. A browser then subscribes to the server directly
// (the JavaScript SDK's subscribe takes this object as its token). A failed
// mint is answered with 502.
func (c *Client) TokenHandler(resolve Resolver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		channel, topics, err := resolve(r)
		if err != nil {
			resolveError(w, err)
			return
		}
		tok, err := c.Token(r.Context(), channel, topics...)
		if err != nil {
			http.Error(w, "minting a realtime token failed", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = jsoncodec.NewEncoder(w).Encode(tok)
	})
}

// SSEKeepalive is how often SSEHandler writes a keepalive comment (the
// server's interval).
const SSEKeepalive = 15 * time.Second

// SSEHandler relays a subscription to the requester as server-sent events:
// it subscribes with c (over WebSocket, minting tokens itself, so the
// browser needs no token and no WebSocket code) to what resolve grants and
// writes each message as "data: <message JSON>\n\n" in the server's shape,
// a ": gap" comment after a reconnect (messages were missed), and a ":"
// comment every SSEKeepalive. It ends when the requester goes away or the
// subscription fails for good. A refused subscription is answered with 502
// before any event.
func (c *Client) SSEHandler(resolve Resolver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		channel, topics, err := resolve(r)
		if err != nil {
			resolveError(w, err)
			return
		}
		flusher, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		sub, err := c.Subscribe(ctx, channel, topics, SubscribeOptions{})
		if err != nil {
			http.Error(w, "subscribing failed", http.StatusBadGateway)
			return
		}
		defer sub.Close()
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(":\n\n"))
		flusher.Flush()
		tick := time.NewTicker(SSEKeepalive)
		defer tick.Stop()
		msgs := make(chan item)
		go func() {
			defer close(msgs)
			for m, err := range sub.Messages(ctx) {
				select {
				case msgs <- item{m: m, err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := w.Write([]byte(":\n\n")); err != nil {
					return
				}
				flusher.Flush()
			case it, ok := <-msgs:
				if !ok {
					return
				}
				var out []byte
				switch {
				case errors.Is(it.err, ErrGap):
					out = []byte(": gap\n\n")
				case it.err != nil:
					continue
				default:
					b, err := jsoncodec.Marshal(it.m)
					if err != nil {
						continue
					}
					out = append(append([]byte("data: "), b...), '\n', '\n')
				}
				if _, err := w.Write(out); err != nil {
					return
				}
				flusher.Flush()
			}
		}
	})
}
