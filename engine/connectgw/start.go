package connectgw

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"

	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// maxStartBody bounds a /v0/connect/start body, as the server does.
const maxStartBody = 1 << 20

// writeError writes the server's public error body: {"error", "data", "status"}.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = jsoncodec.NewEncoder(w).Encode(map[string]any{"error": msg, "data": nil, "status": status})
}

// writeProto writes a protobuf answer.
func writeProto(w http.ResponseWriter, m proto.Message) {
	b, err := proto.Marshal(m)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not marshal response")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(b)
}

// authenticate checks a worker request's bearer key as the server does: a
// dev server takes any (or none); with a signing key, the key (hashed, as
// SDKs send it, or plain) is required. It returns the key sent, without
// "Bearer ", which becomes the session's sync token.
func (g *Gateway) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.Header.Get(wire.HeaderAuthorization)
	if key == "" && g.host.RequiresKey() {
		writeError(w, http.StatusUnauthorized, "missing Authorization header")
		return "", false
	}
	if len(key) > 7 {
		key = key[7:]
	}
	if g.host.RequiresKey() && !g.host.KeyAuthorized(strings.TrimSpace(key)) {
		writeError(w, http.StatusUnauthorized, "authentication failed")
		return "", false
	}
	return key, true
}

// handleStart answers POST /v0/connect/start: a new connection ID, the
// gateway's WebSocket URL, a session token and the sync token.
func (g *Gateway) handleStart(w http.ResponseWriter, r *http.Request) {
	key, ok := g.authenticate(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxStartBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read request body")
		return
	}
	var req connectproto.StartRequest
	if len(body) > 0 {
		if err := proto.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "could not unmarshal request")
			return
		}
	}
	now := time.Now()
	endpoint := g.opts.GatewayURL
	if endpoint == "" {
		scheme := "ws"
		if r.TLS != nil {
			scheme = "wss"
		}
		endpoint = scheme + "://" + r.Host + "/v0/connect"
	}
	writeProto(w, &connectproto.StartResponse{
		ConnectionId:    wire.NewULID(now),
		GatewayEndpoint: endpoint,
		GatewayGroup:    "gw-dev",
		SessionToken:    signToken(g.secret, now),
		SyncToken:       key,
	})
}

// handleFlush answers POST /v0/connect/flush: a reply the worker could not
// get acked on its socket is delivered to its call (or kept for it).
func (g *Gateway) handleFlush(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.authenticate(w, r); !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxMessageBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read request body")
		return
	}
	if len(body) == 0 {
		writeError(w, http.StatusBadRequest, "missing request body")
		return
	}
	if int64(len(body)) > g.opts.MaxMessageBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	var resp connectproto.SDKResponse
	if err := proto.Unmarshal(body, &resp); err != nil {
		writeError(w, http.StatusBadRequest, "could not unmarshal request")
		return
	}
	// Like the server, the system trace context must be a JSON object.
	var carrier map[string]string
	if err := jsoncodec.Unmarshal(resp.SystemTraceCtx, &carrier); err != nil {
		writeError(w, http.StatusBadRequest, "could not unmarshal system trace ctx")
		return
	}
	g.deliver(&resp)
	writeProto(w, &connectproto.FlushResponse{RequestId: resp.RequestId})
}
