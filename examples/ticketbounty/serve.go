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
	// WebSocket to serverURL's gateway) instead of syncing /api/inngest.
	// Needs serverURL: the embedded engine has no gateway yet.
	connect bool
}

// service is the app being served, on the embedded engine or a real server.
type service struct {
	*app.App
	// engine is the embedded engine; nil with a real server.
	engine *engine.Engine
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
		return s, nil
	}
	// Sync: tell the Inngest server which functions live at /api/inngest.
	if err := a.Inngest.Register(ctx, s.url+"/api/inngest"); err != nil {
		_ = s.close(ctx)
		return nil, err
	}
	return s, nil
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
	s.engSrv = &http.Server{Handler: devui.Handler(eng, devui.Options{}), ReadHeaderTimeout: 10 * time.Second}
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
