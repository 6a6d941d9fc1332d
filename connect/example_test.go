package connect_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// A worker process for Kubernetes: SIGTERM starts the graceful stop (pause,
// finish requests in flight, close), a second signal stops at once, and
// /ready is the readiness probe.
func Example() {
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "billing"})
	if err != nil {
		log.Fatal(err)
	}
	charge, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "charge"},
		inngest.OnEvent(events.Define[struct{}]("billing/invoice.due")),
		func(ctx context.Context, in inngest.Input[struct{}]) (string, error) { return "charged", nil })
	if err != nil {
		log.Fatal(err)
	}
	w, err := connect.New(client, connect.Options{InstanceID: os.Getenv("POD_NAME"), MaxConcurrency: 50}, charge)
	if err != nil {
		log.Fatal(err)
	}

	http.Handle("/ready", w.ReadyHandler())
	go func() { _ = http.ListenAndServe(":8080", nil) }()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the next signal is not caught by NotifyContext any more…
		second := make(chan os.Signal, 1)
		signal.Notify(second, syscall.SIGTERM, os.Interrupt)
		<-second
		_ = w.Close() // …but here: stop at once
	}()
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
