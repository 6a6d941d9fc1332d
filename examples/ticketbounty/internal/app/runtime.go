package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// RuntimeOptions say where and how to serve the app.
type RuntimeOptions struct {
	// Addr is the app's listen address. Default "127.0.0.1:0" (any port).
	Addr string
	// DevServerURL, when set (e.g. from INNGEST_DEV=http://127.0.0.1:8288),
	// registers with that Inngest dev server instead of starting the
	// embedded engine.
	DevServerURL string
	// Engine configures the embedded engine (its Clock, RetryBackoff...).
	Engine engine.Options
	// Config configures the app; Client's URLs and Mode are set here.
	Config Config
}

// Runtime is the app being served, with the embedded engine (nil when a
// real dev server is used).
type Runtime struct {
	*App
	// Engine is the embedded engine, or nil with a dev server.
	Engine *engine.Engine
	// URL is the app's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// EngineURL is the Inngest server's URL (embedded or dev server).
	EngineURL string

	appSrv, engSrv *http.Server
}

// Start serves the app and syncs it: with the embedded engine (the default)
// the engine's API gets its own listener, like a dev server on :8288; with
// DevServerURL the app registers there.
func Start(ctx context.Context, o RuntimeOptions) (*Runtime, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	appLn, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("ticketbounty: listen %s: %w", o.Addr, err)
	}
	rt := &Runtime{URL: "http://" + appLn.Addr().String()}
	cfg := o.Config
	if cfg.BaseURL == "" {
		cfg.BaseURL = rt.URL
	}
	cfg.Client.Mode = inngest.ModeDev
	if o.DevServerURL != "" {
		rt.EngineURL = o.DevServerURL
		cfg.Client.DevServerURL = o.DevServerURL
	} else {
		eng, err := engine.New(o.Engine)
		if err != nil {
			_ = appLn.Close()
			return nil, err
		}
		engLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			_ = appLn.Close()
			_ = eng.Close()
			return nil, err
		}
		rt.Engine = eng
		rt.EngineURL = "http://" + engLn.Addr().String()
		rt.engSrv = &http.Server{Handler: devui.Handler(eng, devui.Options{}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = rt.engSrv.Serve(engLn) }()
		cfg.Client.APIBaseURL, cfg.Client.EventAPIBaseURL = rt.EngineURL, rt.EngineURL
	}
	a, err := New(ctx, cfg)
	if err != nil {
		_ = appLn.Close()
		rt.closeEngine(ctx)
		return nil, err
	}
	rt.App = a
	rt.appSrv = &http.Server{Handler: a.Router, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rt.appSrv.Serve(appLn) }()

	// Sync: tell the Inngest server which functions live at /api/inngest.
	if err := a.Inngest.Register(ctx, rt.URL+"/api/inngest"); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	return rt, nil
}

// Close stops serving, closes the engine and the store.
func (rt *Runtime) Close(ctx context.Context) error {
	var errs []error
	rt.closeEngine(ctx) // first: cancels the engine's calls into the app
	if rt.appSrv != nil {
		shutdown(ctx, rt.appSrv)
	}
	if rt.App != nil {
		errs = append(errs, rt.App.Close())
	}
	return errors.Join(errs...)
}

func (rt *Runtime) closeEngine(ctx context.Context) {
	if rt.Engine != nil {
		_ = rt.Engine.Close()
	}
	if rt.engSrv != nil {
		shutdown(ctx, rt.engSrv)
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
