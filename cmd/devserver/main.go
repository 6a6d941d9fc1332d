// Command devserver runs the embedded Inngest engine as a local dev server on
// 127.0.0.1:8288, so that any Inngest SDK can sync to it and send events.
//
//	go run ./cmd/devserver [--port 8288] [--data-dir DIR] [--signing-key signkey-…] [--event-key KEY] [--sync URL]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	port := flag.Int("port", 8288, "port to listen on (127.0.0.1)")
	host := flag.String("host", "127.0.0.1", "address to listen on")
	signingKey := flag.String("signing-key", "", "sign calls and require this key's Bearer token on /fn/register")
	eventKey := flag.String("event-key", "", "only accept this event key on /e/{key} (default: any)")
	syncURL := flag.String("sync", "", "app serve URL to sync at start (sends the PUT like the dev server)")
	dataDir := flag.String("data-dir", "", "keep events, runs, waits and timers in <dir>/engine.db (SQLite) so they survive a restart (default: in memory)")
	verbose := flag.Bool("v", false, "debug logging")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := engine.Options{SigningKey: *signingKey, EventKey: *eventKey, Logger: logger}
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

	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("inngest: listen: %w", err)
	}
	srv := &http.Server{Handler: eng.Handler(), ReadHeaderTimeout: 10 * time.Second}
	logger.Info("inngest dev server listening", "url", "http://"+addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if *syncURL != "" {
		go func() {
			if err := eng.Sync(ctx, *syncURL); err != nil {
				logger.Error("sync failed", "url", *syncURL, "err", err)
			}
		}()
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
