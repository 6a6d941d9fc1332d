// Package devui is the engine's web UI: pages that show runs, events and
// synced apps, and forms to send events, cancel and re-run runs, re-sync apps
// and advance a virtual clock. It is built with html/template and embedded
// with go:embed: no JavaScript build, no network access. Read-only pages work
// without JavaScript; the runs list refreshes itself with a few lines of it.
//
// Handler serves the UI at the root and hands every other path to the
// engine's API, so one listener serves both (cmd/devserver does this on
// 127.0.0.1:8288). It binds nowhere itself: it is reachable wherever the
// caller serves it.
//
// Safety: everything shown (event data, step outputs, errors) is escaped by
// html/template in its context. Actions are POST only and refused when the
// browser says the request comes from another site (net/http's
// CrossOriginProtection: Sec-Fetch-Site, else Origin against Host). When the
// engine has a signing key (engine.Engine.RequiresKey) the UI is off: it has
// no login, so it would otherwise be a way around the key; its pages answer
// 403 and the API is served as usual.
package devui

import (
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
)

//go:embed templates/*.html templates/style.css templates/live.js
var files embed.FS

// Options configure the UI. The zero value works.
type Options struct {
	// API serves every path the UI does not. Default: the engine's Handler.
	API http.Handler
	// Refresh is how often the runs page reloads its rows. Default: 1 s.
	Refresh time.Duration
	// Limit is the most runs and events a page lists. Default: 200.
	Limit int
	// Connect is the engine's Connect gateway, whose connected workers the
	// workers page lists (a *connectgw.Gateway). Default: none; the page
	// then says that the engine hosts no gateway.
	Connect ConnectGateway
}

// ui holds the parsed pages.
type ui struct {
	eng   *engine.Engine
	opts  Options
	pages map[string]*template.Template
}

// Handler returns the UI for eng at "/", with eng's API (or Options.API)
// behind every other path. UI routes: GET / (runs), GET /runs/{id},
// GET /events, GET /apps, GET /workers (the connected Connect workers), GET /realtime (a live stream of a channel), GET /ui.css, and the POST actions
// /runs/{id}/cancel, /runs/{id}/rerun, /events (send), /events/{id}/resend,
// /apps/{name}/sync and /clock/advance.
func Handler(eng *engine.Engine, opts Options) http.Handler {
	if opts.API == nil {
		opts.API = eng.Handler()
	}
	if opts.Refresh <= 0 {
		opts.Refresh = time.Second
	}
	if opts.Limit <= 0 {
		opts.Limit = 200
	}
	u := &ui{eng: eng, opts: opts, pages: parsePages()}
	ui := http.NewServeMux()
	ui.HandleFunc("GET /{$}", u.runsPage)
	ui.HandleFunc("GET /runs/{id}", u.runPage)
	ui.HandleFunc("GET /events", u.eventsPage)
	ui.HandleFunc("GET /apps", u.appsPage)
	ui.HandleFunc("GET /workers", u.workersPage)
	ui.HandleFunc("GET /realtime", u.realtimePage)
	ui.HandleFunc("GET /ui.css", u.static("templates/style.css", "text/css; charset=utf-8"))
	ui.HandleFunc("GET /ui.js", u.static("templates/live.js", "text/javascript; charset=utf-8"))
	ui.HandleFunc("POST /runs/{id}/cancel", u.cancelRun)
	ui.HandleFunc("POST /runs/{id}/rerun", u.rerun)
	ui.HandleFunc("POST /events", u.sendEvent)
	ui.HandleFunc("POST /events/{id}/resend", u.resend)
	ui.HandleFunc("POST /apps/{name}/sync", u.resync)
	ui.HandleFunc("POST /clock/advance", u.advance)
	guarded := http.NewCrossOriginProtection().Handler(u.guard(ui))

	root := http.NewServeMux()
	root.Handle("/", opts.API)
	for _, p := range []string{"GET /{$}", "GET /runs/", "GET /events", "GET /apps", "GET /workers", "GET /realtime", "GET /ui.css", "GET /ui.js",
		"POST /runs/", "POST /events", "POST /events/", "POST /apps/", "POST /clock/advance"} {
		root.Handle(p, guarded)
	}
	return root
}

// guard turns the UI off when the engine requires a signing key.
func (u *ui) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.eng.RequiresKey() {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte("inngest: the web UI is off because this engine has a signing key " +
				"(the UI has no login and would be a way around the key); the API is served as usual\n"))
			return
		}
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'")
		w.Header().Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// static serves an embedded file.
func (u *ui) static(name, contentType string) http.HandlerFunc {
	b, _ := files.ReadFile(name)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(b)
	}
}
