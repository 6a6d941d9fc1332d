package serve

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// DefaultMaxBodyBytes is the default request body limit: the server sends at most
// 4 MB of state inline (larger state goes through use_api), plus room for the envelope.
const DefaultMaxBodyBytes = 8 << 20

// Options configure a handler. The zero value works.
type Options struct {
	// MaxBodyBytes refuses larger request bodies with 413 before reading them whole.
	// Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Framework is reported at sync. Default "nethttp".
	Framework string
	// KeepAliveInterval is how often a streamed response writes a space while the
	// function runs (streaming is on when the client's Streaming option is). Default 5 s.
	KeepAliveInterval time.Duration
	// Now is the clock used for signature windows. Default time.Now.
	Now func() time.Time
}

// Handler serves fns of client. It panics if client is nil or two functions share an
// id (programming errors, like http.ServeMux on duplicate patterns); use New to get
// the error instead.
func Handler(client *inngest.Client, fns ...inngest.ServableFunction) http.Handler {
	h, err := New(client, Options{}, fns...)
	if err != nil {
		panic(err)
	}
	return h
}

// ErrConfig wraps configuration errors of New.
var ErrConfig = errors.New("inngest: invalid serve configuration")

// New returns a handler serving fns of client with opts.
func New(client *inngest.Client, opts Options, fns ...inngest.ServableFunction) (*Server, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	cfg := link.Config(client)
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Framework == "" {
		opts.Framework = "nethttp"
	}
	if opts.KeepAliveInterval <= 0 {
		opts.KeepAliveInterval = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{client: client, cfg: &cfg, opts: opts, byID: map[string]*exec.Function{}, logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	for _, f := range fns {
		if f == nil {
			return nil, fmt.Errorf("%w: nil function", ErrConfig)
		}
		defs := link.Definitions(f)
		if len(defs) == 0 {
			return nil, fmt.Errorf("%w: %T is not a defined function", ErrConfig, f)
		}
		for _, ef := range defs {
			if _, dup := s.byID[ef.Config.ID]; dup {
				return nil, fmt.Errorf("%w: two functions have the id %q", ErrConfig, ef.Config.ID)
			}
			s.byID[ef.Config.ID] = ef
			s.fns = append(s.fns, ef)
		}
	}
	sort.Slice(s.fns, func(i, j int) bool { return s.fns[i].Config.ID < s.fns[j].Config.ID })
	return s, nil
}

// Server is the http.Handler returned by New.
type Server struct {
	client *inngest.Client
	cfg    *exec.ClientConfig
	opts   Options
	fns    []*exec.Function
	byID   map[string]*exec.Function
	logger *slog.Logger

	drain drain // calls in flight, for Shutdown (shutdown.go)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.setSDKHeaders(w.Header())
	// Graceful shutdown (shutdown.go): refuse new calls once Shutdown began.
	done, ok := s.drain.admit(w, r)
	if !ok {
		return
	}
	defer done()
	switch r.Method {
	case http.MethodGet:
		s.introspect(w, r)
	case http.MethodPut:
		s.sync(w, r)
	case http.MethodPost:
		q := r.URL.Query()
		if q.Get("probe") == "trust" {
			s.trustProbe(w, r)
			return
		}
		s.call(w, r, q)
	default:
		w.Header().Set("Allow", "GET, PUT, POST")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "inngest: method "+r.Method+" not allowed", true)
	}
}

func (s *Server) setSDKHeaders(h http.Header) {
	h.Set(wire.HeaderSDK, s.cfg.SDK)
	h.Set(wire.HeaderReqVersion, wire.ReqVersion)
	h.Set(wire.HeaderSDKHandled, "true")
}

// lookup finds a function by full id, or by slug as a convenience.
func (s *Server) lookup(id string) *exec.Function {
	if f := s.byID[id]; f != nil {
		return f
	}
	return s.byID[s.cfg.AppID+"-"+id]
}
