// Command ticketbounty is the flagship example of the Inngest Go SDK: a
// chi web service, organised by feature, whose API routes send events and
// return at once while Inngest functions do the slow, failure-prone work.
//
//	go run ./examples/ticketbounty                   # embedded engine + demo, then serve
//	go run ./examples/ticketbounty --exit-after-demo # CI: exit 0 iff every workflow behaved
//	INNGEST_DEV=http://127.0.0.1:8288 go run ./examples/ticketbounty # a real dev server
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
	dataDir := fs.String("data-dir", "", "directory of the SQLite database (default: a new temporary directory)")
	exitAfterDemo := fs.Bool("exit-after-demo", false, "exit after the demo's summary: status 0 only if every workflow behaved as expected")
	noDemo := fs.Bool("no-demo", false, "skip the demo and just serve")
	verbose := fs.Bool("v", false, "log the SDK's and the functions' logs")
	traceMode := fs.String("trace", "", `trace runs with OpenTelemetry: "stdout" prints each span as JSON, "memory" keeps them and prints a count after the demo; empty: off`)
	if err := fs.Parse(args); err != nil {
		return err
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

	opts := app.RuntimeOptions{Addr: *addr, Config: app.Config{DataDir: *dataDir, Logger: logger, EmailLatency: 100 * time.Millisecond}}
	// INNGEST_DEV=<url> means "use that dev server"; otherwise the engine
	// runs in this process on a clock the demo can fast-forward.
	if v := os.Getenv("INNGEST_DEV"); v != "" {
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			opts.DevServerURL = v
		}
	}
	clock := &timewarp.Clock{}
	opts.Engine = engine.Options{Clock: clock, Logger: logger}
	tr, err := newTracing(*traceMode, stdout)
	if err != nil {
		return err
	}
	if tr != nil {
		opts.Config.Client.Middleware = append([]*inngest.Middleware{tr.mw}, opts.Config.Client.Middleware...)
		defer tr.shutdown(context.Background())
	}

	rt, err := app.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Close(c)
	}()
	p.Printf("ticket-bounty serving on %s (API under /api, Inngest on /api/inngest)", rt.URL)
	p.Printf("database: %s", rt.Store.Path())
	if rt.Engine == nil {
		p.Printf("registered with the Inngest dev server at %s: open it to trigger and watch runs", rt.EngineURL)
		if *exitAfterDemo {
			return errors.New("the demo needs the embedded engine: unset INNGEST_DEV")
		}
		<-ctx.Done()
		return nil
	}
	p.Printf("embedded Inngest engine on %s (web UI: open %s/ in a browser)", rt.EngineURL, rt.EngineURL)
	go demo.Watch(ctx, rt.Engine, rt.Client.AppID(), p)

	if !*noDemo {
		res, err := demo.Run(ctx, demo.Options{Runtime: rt, Clock: clock, Printer: p})
		if err != nil {
			return err
		}
		if line := tr.summary(); line != "" {
			fmt.Fprintln(stdout, line)
		}
		if *exitAfterDemo {
			if !res.OK() {
				return errors.New(res.Line())
			}
			return nil
		}
		p.Unmute()
	}
	p.Printf("serving until interrupted (Ctrl-C); try: curl -s %s/api/admin/outbox", rt.URL)
	<-ctx.Done()
	return nil
}
