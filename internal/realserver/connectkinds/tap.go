package connectkinds

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// tapPath is where the tap accepts the worker's WebSocket; the gateway it
// forwards to is in the query (to=).
const tapPath = "/tap/connect"

// rawFrame is one WebSocket frame the tap forwarded, decoded.
type rawFrame struct {
	conn int
	from string // "gateway" or "worker"
	at   time.Time
	kind cp.GatewayMessageType
	msg  proto.Message // nil for the kinds without a payload
	bad  bool          // the frame did not decode
}

// Tap is a recording proxy between a Connect worker and an Inngest origin:
// the worker's client points at the tap; POST /v0/connect/start is forwarded
// and its gateway_endpoint rewritten to the tap, which then forwards every
// WebSocket frame both ways and keeps it; every other request (events, the
// flush endpoint, the run API) is forwarded unchanged. The worker needs no
// change to be recorded, and no frame is altered.
type Tap struct {
	upstream *url.URL
	rp       *httputil.ReverseProxy
	srv      *http.Server
	ln       net.Listener
	wg       sync.WaitGroup

	mu      sync.Mutex
	frames  []rawFrame
	conns   int
	flushes int
	closed  bool
	sockets map[*websocket.Conn]bool
}

// NewTap starts a tap in front of origin (http://host:port) on 127.0.0.1.
func NewTap(origin string) (*Tap, error) {
	u, err := url.Parse(origin)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &Tap{upstream: u, rp: httputil.NewSingleHostReverseProxy(u), ln: ln, sockets: map[*websocket.Conn]bool{}}
	t.srv = &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second}
	t.wg.Add(1)
	go func() { defer t.wg.Done(); _ = t.srv.Serve(ln) }()
	return t, nil
}

// URL is the tap's origin: give it to the worker's client as the API and
// event origin.
func (t *Tap) URL() string { return "http://" + t.ln.Addr().String() }

// Close stops the tap and ends the sockets it forwards.
func (t *Tap) Close() error {
	t.mu.Lock()
	t.closed = true
	for ws := range t.sockets {
		_ = ws.CloseNow()
	}
	t.mu.Unlock()
	err := t.srv.Close()
	t.wg.Wait()
	return err
}

// ServeHTTP routes the tap's requests.
func (t *Tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case cp.StartPath:
		t.start(w, r)
	case tapPath:
		t.socket(w, r)
	default:
		if r.URL.Path == cp.FlushPath {
			t.mu.Lock()
			t.flushes++
			t.mu.Unlock()
		}
		t.rp.ServeHTTP(w, r)
	}
}

// start forwards POST /v0/connect/start and points the answer's gateway at
// the tap.
func (t *Tap) start(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, t.upstream.String()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if res.StatusCode == http.StatusOK {
		var sr cp.StartResponse
		if err := proto.Unmarshal(raw, &sr); err == nil {
			sr.GatewayEndpoint = "ws://" + t.ln.Addr().String() + tapPath + "?to=" + url.QueryEscape(sr.GatewayEndpoint)
			if b, err := proto.Marshal(&sr); err == nil {
				raw = b
			}
		}
	}
	for k, v := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(raw)
}

// socket accepts the worker's WebSocket, dials the gateway and forwards.
func (t *Tap) socket(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	gw, _, err := websocket.Dial(r.Context(), to, &websocket.DialOptions{Subprotocols: []string{cp.Subprotocol}})
	if err != nil {
		http.Error(w, "tap: dialing the gateway: "+err.Error(), http.StatusBadGateway)
		return
	}
	worker, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{gw.Subprotocol()}})
	if err != nil {
		_ = gw.CloseNow()
		return
	}
	gw.SetReadLimit(64 << 20)
	worker.SetReadLimit(64 << 20)
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		_ = gw.CloseNow()
		_ = worker.CloseNow()
		return
	}
	t.conns++
	n := t.conns
	t.sockets[gw], t.sockets[worker] = true, true
	t.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer cancel(); t.pump(ctx, n, "gateway", gw, worker) }()
	go func() { defer wg.Done(); defer cancel(); t.pump(ctx, n, "worker", worker, gw) }()
	wg.Wait()
	t.mu.Lock()
	delete(t.sockets, gw)
	delete(t.sockets, worker)
	t.mu.Unlock()
}

// pump forwards src's frames to dst, recording each, until either side ends;
// a close of src is passed on to dst with its code and reason.
func (t *Tap) pump(ctx context.Context, n int, from string, src, dst *websocket.Conn) {
	for {
		typ, b, err := src.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				_ = dst.Close(ce.Code, ce.Reason)
			} else {
				_ = dst.CloseNow()
			}
			return
		}
		t.record(n, from, b)
		if err := dst.Write(ctx, typ, b); err != nil {
			_ = src.CloseNow()
			return
		}
	}
}

func (t *Tap) record(n int, from string, b []byte) {
	f := rawFrame{conn: n, from: from, at: time.Now()}
	var env cp.ConnectMessage
	if err := proto.Unmarshal(b, &env); err != nil {
		f.bad = true
	} else {
		f.kind = env.Kind
		if m := cp.NewPayload(env.Kind); m != nil {
			if err := proto.Unmarshal(env.Payload, m); err != nil {
				f.bad = true
			} else {
				f.msg = m
			}
		}
	}
	t.mu.Lock()
	t.frames = append(t.frames, f)
	t.mu.Unlock()
}

// SocketCount is how many worker sockets the tap accepted.
func (t *Tap) SocketCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conns
}

// snapshot returns the frames so far and the number of flush calls.
func (t *Tap) snapshot() ([]rawFrame, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]rawFrame(nil), t.frames...), t.flushes
}
