// Command ticketbounty is the flagship example of the Inngest Go SDK: a
// chi web service, organised by feature, whose API routes send events and
// return at once while Inngest functions do the slow, failure-prone work.
//
//	go run ./examples/ticketbounty                   # embedded engine + demo, then serve
//	go run ./examples/ticketbounty --exit-after-demo # CI: exit 0 iff every demo flow completed
//	go run ./examples/ticketbounty --server http://127.0.0.1:8288 # sync with a running Inngest server
//	go run ./examples/ticketbounty --connect         # the demo, the functions on a Connect worker
//
// See README.md for the tour.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/demo"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/timewarp"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ticketbounty:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ticketbounty", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "listen address of the service")
	server := fs.String("server", devServerFromEnv(), "URL of a running Inngest server (e.g. `npx inngest-cli@latest dev`) to sync with instead of the embedded engine; default: $INNGEST_DEV when it is a URL")
	dataDir := fs.String("data-dir", "", "directory of the SQLite database (default: a new temporary directory)")
	exitAfterDemo := fs.Bool("exit-after-demo", false, "exit after the demo: status 0 only if every flow completed")
	noDemo := fs.Bool("no-demo", false, "skip the demo and just serve")
	useConnect := fs.Bool("connect", false, "run the functions through a Connect worker (an outbound WebSocket to the gateway of --server, or of the embedded engine) instead of syncing /api/inngest")
	verbose := fs.Bool("v", false, "log the SDK's and the functions' logs")
	traceMode := fs.String("trace", "", `trace runs with OpenTelemetry: "stdout" prints each span as JSON, "memory" keeps them and prints a count after the demo; empty: off`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server != "" {
		if u, err := url.Parse(*server); err != nil || u.Host == "" {
			return fmt.Errorf("--server: want an absolute URL such as http://127.0.0.1:8288, got %q", *server)
		}
		if *exitAfterDemo {
			return errors.New("the demo needs the embedded engine: drop --server (or unset INNGEST_DEV)")
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *dataDir == "" {
		dir, err := os.MkdirTemp("", "ticketbounty-")
		if err != nil {
			return err
		}
		*dataDir = dir
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.Default()
	}
	p := demo.NewPrinter(stdout)

	cfg := app.Config{DataDir: *dataDir, Logger: logger, EmailLatency: 100 * time.Millisecond}
	tr, err := newTracing(*traceMode, stdout)
	if err != nil {
		return err
	}
	if tr != nil {
		cfg.Client.Middleware = append([]*inngest.Middleware{tr.mw}, cfg.Client.Middleware...)
		defer tr.shutdown(context.Background())
	}
	// The embedded engine runs on a clock the demo can fast-forward.
	clock := &timewarp.Clock{}
	svc, err := serve(ctx, serveOptions{addr: *addr, serverURL: *server, connect: *useConnect, config: cfg, engine: engine.Options{Clock: clock, Logger: logger}})
	if err != nil {
		return err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.close(c)
	}()
	p.Printf("ticket-bounty serving on %s (API under /api, Inngest on /api/inngest)", svc.url)
	p.Printf("database: %s", svc.Store.Path())
	if svc.engine == nil {
		if svc.worker != nil {
			p.Printf("Connect worker for the Inngest server at %s: open it to trigger and watch runs", svc.serverURL)
		} else {
			p.Printf("synced with the Inngest server at %s: open it to trigger and watch runs", svc.serverURL)
		}
		<-ctx.Done()
		return nil
	}
	p.Printf("embedded Inngest engine on %s (web UI: open %s/ in a browser)", svc.serverURL, svc.serverURL)
	if svc.worker != nil {
		p.Printf("functions on a Connect worker on the embedded engine's gateway (listed at %s/workers)", svc.serverURL)
	}
	go demo.Watch(ctx, svc.engine, svc.Client.AppID(), p)

	if !*noDemo {
		res, err := demo.Run(ctx, demo.Options{App: svc.App, URL: svc.url, Engine: svc.engine, Clock: clock, Printer: p})
		if err != nil {
			return err
		}
		if line := tr.summary(); line != "" {
			fmt.Fprintln(stdout, line)
		}
		if svc.worker != nil {
			fmt.Fprintln(stdout, callsOverConnect(svc.engine))
		}
		if *exitAfterDemo {
			if !res.OK() {
				return errors.New(res.Line())
			}
			return nil
		}
		p.Unmute()
	}
	p.Printf("serving until interrupted (Ctrl-C); try: curl -s %s/api/admin/outbox", svc.url)
	<-ctx.Done()
	return nil
}

// devServerFromEnv is $INNGEST_DEV when it is a URL (INNGEST_DEV=1 alone
// names no server).
func devServerFromEnv() string {
	v := os.Getenv("INNGEST_DEV")
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		return v
	}
	return ""
}

// callsOverConnect says how many of the engine's calls went over Connect,
// from the runs' timelines.
func callsOverConnect(eng *engine.Engine) string {
	runs, err := eng.Runs()
	if err != nil {
		return "calls: " + err.Error()
	}
	var calls, ws int
	for _, r := range runs {
		for _, h := range r.History {
			if h.Kind == "call" {
				calls++
				if h.Transport == runtype.TransportConnect {
					ws++
				}
			}
		}
	}
	return fmt.Sprintf("calls over Connect: %d of %d", ws, calls)
}
