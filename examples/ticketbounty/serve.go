package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// serveOptions say where the app listens and which Inngest server runs its
// functions.
type serveOptions struct {
	// addr is the app's listen address. Default "127.0.0.1:0" (any port).
	addr string
	// serverURL is a running Inngest server (e.g. `inngest dev` on
	// http://127.0.0.1:8288) the app syncs with. Empty: start the embedded
	// engine in this process.
	serverURL string
	// engine configures the embedded engine (its clock, logger...).
	engine engine.Options
	// config configures the app; its client's URLs and mode are set here.
	config app.Config
	// connect runs the functions through a Connect worker (an outbound
	// WebSocket to the server's gateway: serverURL's, or the embedded
	// engine's) instead of syncing /api/inngest.
	connect bool
}

// service is the app being served, on the embedded engine or a real server.
type service struct {
	*app.App
	// engine is the embedded engine and gateway its Connect gateway; nil
	// with a real server.
	engine  *engine.Engine
	gateway *connectgw.Gateway
	// url is the app's base URL, e.g. http://127.0.0.1:3000.
	url string
	// serverURL is the Inngest server's URL (embedded or real).
	serverURL string

	appSrv, engSrv *http.Server

	// worker is the Connect worker (with serveOptions.connect); stopWorker
	// ends it gracefully and workerDone reports Run's result.
	worker     *connect.Worker
	stopWorker context.CancelFunc
	workerDone chan error
}

// serve starts the app's HTTP server and syncs its functions with the
// Inngest server: the embedded engine (the default, on its own listener,
// like a dev server on :8288), or o.serverURL, exactly as an app in
// production syncs with its server.
func serve(ctx context.Context, o serveOptions) (*service, error) {
	if o.addr == "" {
		o.addr = "127.0.0.1:0"
	}
	appLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("ticketbounty: listen %s: %w", o.addr, err)
	}
	s := &service{url: "http://" + appLn.Addr().String(), serverURL: o.serverURL}
	cfg := o.config
	if cfg.BaseURL == "" {
		cfg.BaseURL = s.url
	}
	if s.serverURL == "" {
		if err := s.startEngine(o.engine); err != nil {
			_ = appLn.Close()
			return nil, err
		}
	}
	// The client sends events to, and syncs with, the chosen server.
	cfg.Client.Mode = inngest.ModeDev
	cfg.Client.APIBaseURL, cfg.Client.EventAPIBaseURL = s.serverURL, s.serverURL
	a, err := app.New(ctx, cfg)
	if err != nil {
		_ = appLn.Close()
		s.closeEngine(ctx)
		return nil, err
	}
	s.App = a
	s.appSrv = &http.Server{Handler: a.Router, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.appSrv.Serve(appLn) }()

	if o.connect {
		// Connect: the worker dials the server's gateway; no sync of /api/inngest.
		w, err := connect.New(a.Client, connect.Options{Logger: cfg.Logger}, a.Functions...)
		if err != nil {
			_ = s.close(ctx)
			return nil, err
		}
		wctx, stop := context.WithCancel(context.Background())
		s.worker, s.stopWorker, s.workerDone = w, stop, make(chan error, 1)
		go func() { s.workerDone <- w.Run(wctx) }()
		if s.engine != nil {
			// The demo sends events at once: wait until the worker's
			// WORKER_CONNECT synced the app and the gateway routes to it.
			if err := s.waitWorkerReady(ctx, 10*time.Second); err != nil {
				_ = s.close(ctx)
				return nil, err
			}
		}
		return s, nil
	}
	// Sync: tell the Inngest server which functions live at /api/inngest.
	if err := a.Inngest.Register(ctx, s.url+"/api/inngest"); err != nil {
		_ = s.close(ctx)
		return nil, err
	}
	return s, nil
}

// waitWorkerReady waits until the Connect worker is ready and the embedded
// gateway has a ready connection for it.
func (s *service) waitWorkerReady(ctx context.Context, limit time.Duration) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.worker.Ready() {
			for _, c := range s.gateway.Connections() {
				if c.Status == "READY" {
					return nil
				}
			}
		}
		select {
		case err := <-s.workerDone:
			s.workerDone <- err
			return fmt.Errorf("ticketbounty: the Connect worker stopped: %w", err)
		case <-deadline.C:
			return fmt.Errorf("ticketbounty: the Connect worker was not ready after %s", limit)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// startEngine starts the embedded engine and its API and web UI.
func (s *service) startEngine(o engine.Options) error {
	eng, err := engine.New(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = eng.Close()
		return err
	}
	s.engine = eng
	s.serverURL = "http://" + ln.Addr().String()
	// Connect workers start a session and open their socket on the engine's
	// port, as with cmd/devserver.
	s.gateway = connectgw.New(eng, connectgw.Options{Logger: o.Logger})
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", s.gateway.Handler())
	mux.Handle("/v0/connect/", s.gateway.Handler())
	mux.Handle("/", devui.Handler(eng, devui.Options{Connect: s.gateway}))
	s.engSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.engSrv.Serve(ln) }()
	return nil
}

// close stops serving, closes the embedded engine and the store.
func (s *service) close(ctx context.Context) error {
	var errs []error
	if s.worker != nil {
		s.stopWorker() // pause, finish requests in flight, close the socket
		errs = append(errs, <-s.workerDone)
	}
	s.closeEngine(ctx) // first: cancels the engine's calls into the app
	if s.appSrv != nil {
		shutdown(ctx, s.appSrv)
	}
	if s.App != nil {
		errs = append(errs, s.App.Close())
	}
	return errors.Join(errs...)
}

func (s *service) closeEngine(ctx context.Context) {
	if s.gateway != nil {
		_ = s.gateway.Close() // before the engine: it fails the Connect calls in flight
	}
	if s.engine != nil {
		_ = s.engine.Close()
	}
	if s.engSrv != nil {
		shutdown(ctx, s.engSrv)
	}
}

// shutdown lets in-flight requests finish for up to half a second, then
// closes what is left. (http.Server.Shutdown alone waits 5 s for
// connections a client dialled but never used, which HTTP clients leave
// behind routinely.)
func shutdown(ctx context.Context, srv *http.Server) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		_ = srv.Close()
	}
}
