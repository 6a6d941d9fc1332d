// Command devserver runs the embedded Inngest engine as a local dev server on
// 127.0.0.1:8288, so that any Inngest SDK can sync to it and send events; it
// hosts a Connect gateway too (/v0/connect/start, the WebSocket at
// /v0/connect), so that Connect workers run their functions without a server.
//
//	go run ./cmd/devserver [--port 8288] [--data-dir DIR] [--signing-key signkey-…] [--event-key KEY] [--sync URL] [--retention 24h]
//
// Without --signing-key, sync and the run API are open to anyone who can reach
// the port; it says so on start.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil, defaultSyncBackoff); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run parses args, serves the engine until ctx ends and reports the listening
// address on ready (when not nil) once the port is open. backoff paces the
// --sync retries (main passes defaultSyncBackoff).
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string, backoff syncBackoff) error {
	fs := flag.NewFlagSet("devserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 8288, "port to listen on (0: any free port)")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	signingKey := fs.String("signing-key", "", "sign calls and require this key (Bearer, plain or hashed) on sync, /dev and the run API")
	eventKey := fs.String("event-key", "", "only accept this event key on /e/{key} (default: any)")
	syncURL := fs.String("sync", "", "app serve URL to sync at start (sends the PUT like the dev server), retried with backoff until the app answers")
	dataDir := fs.String("data-dir", "", "keep events, runs, waits, timers and flow-control state in <dir>/engine.db (SQLite) so they survive a restart; one server per directory (default: in memory)")
	retention := fs.Duration("retention", engine.DefaultRetention, "how long finished runs and events are kept (events at least 24h); negative keeps everything")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := engine.Options{SigningKey: *signingKey, EventKey: *eventKey, Logger: logger, Retention: *retention}
	if *dataDir != "" {
		st, err := sqlitestore.OpenDir(*dataDir)
		if err != nil {
			return err
		}
		defer st.Close()
		opts.Store = st
	}
	eng, err := engine.New(opts)
	if err != nil {
		return err
	}
	defer eng.Close()
	gw := connectgw.New(eng, connectgw.Options{Logger: logger})
	defer gw.Close() // before the engine: it fails the Connect calls in flight

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return fmt.Errorf("inngest: listen: %w", err)
	}
	addr := ln.Addr().String()
	// Connect workers start a session and open their WebSocket on the same
	// port (the real dev server uses a second one for the socket).
	mux := http.NewServeMux()
	mux.Handle("/v0/connect", gw.Handler())
	mux.Handle("/v0/connect/", gw.Handler())
	mux.Handle("/", devui.Handler(eng, devui.Options{Connect: gw}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("inngest dev server listening", "url", "http://"+addr)
	if *signingKey == "" {
		fmt.Fprintf(stderr, "web UI: http://%s/\n", addr)
	} else {
		fmt.Fprintln(stderr, "web UI: off (--signing-key is set and the UI has no login)")
	}
	warnOpen(stderr, addr, *signingKey, *eventKey)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	syncDone := make(chan struct{})
	if *syncURL != "" {
		go func() {
			defer close(syncDone)
			syncUntilAnswered(ctx, eng, *syncURL, logger, backoff)
		}()
	} else {
		close(syncDone)
	}
	if ready != nil {
		ready <- addr
	}
	var serveErr error
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	<-syncDone
	return errors.Join(serveErr, err)
}

// warnOpen says on stderr what anyone who can reach the port may do.
func warnOpen(w io.Writer, addr, signingKey, eventKey string) {
	if signingKey == "" {
		fmt.Fprintf(w, "WARNING: no --signing-key: anyone who can reach http://%s can sync apps (POST /fn/register, which makes this server call the URL they give) and read every run and its output (/v1/runs, /v0/runs, /dev, the web UI at /, which can also send events and cancel or re-run runs). Pass --signing-key to require it (it turns the web UI off).\n", addr)
	}
	if eventKey == "" {
		fmt.Fprintf(w, "WARNING: no --event-key: http://%s/e/{key} accepts events sent with any key. Pass --event-key to require one.\n", addr)
	}
}
