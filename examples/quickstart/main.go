// Command quickstart is the smallest Inngest app: one event, one function,
// one step. Run it as is and it starts the embedded engine in process, sends
// one event, prints the run's output and exits; with
// INNGEST_DEV=http://127.0.0.1:8288 it serves on 127.0.0.1:3000 and registers
// with that dev server instead; with INNGEST_SIGNING_KEY (and no INNGEST_DEV) it
// serves in cloud mode, for Inngest Cloud or a self-hosted server.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// SignUp is the data of UserSignedUp.
type SignUp struct {
	Email string `json:"email"`
}

// UserSignedUp is the event: its name bound to the Go type of its data.
var UserSignedUp = events.Define[SignUp]("app/user.signed-up")

// newWelcome defines the function: on every sign-up, one durable step.
func newWelcome(client *inngest.Client) (*inngest.Function[SignUp, string], error) {
	return inngest.NewFunction(client, inngest.FunctionOpts{ID: "send-welcome-email"},
		inngest.OnEvent(UserSignedUp),
		func(ctx context.Context, in inngest.Input[SignUp]) (string, error) {
			return step.Run(ctx, "send-email", func(ctx context.Context) (string, error) {
				// Call your e-mail provider here; a failure is retried.
				return "welcome e-mail sent to " + in.Event.Data.Email, nil
			})
		})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address when serving (INNGEST_DEV or INNGEST_SIGNING_KEY set)")
	flag.Parse()
	if os.Getenv("INNGEST_DEV") != "" || os.Getenv("INNGEST_SIGNING_KEY") != "" {
		log.Fatal(serveApp(*addr))
	}
	out, err := runEmbedded(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)
}

// serveApp serves the function at http://addr/api/inngest. In dev mode
// (INNGEST_DEV) it registers with the dev server at once; send events from the
// dev server's UI. Otherwise it runs in cloud mode, as in production: requests
// must be signed with INNGEST_SIGNING_KEY, and the app is synced by a PUT to its
// URL (from the server, or `curl -X PUT` after a deploy).
func serveApp(addr string) error {
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "quickstart"})
	if err != nil {
		return err
	}
	fn, err := newWelcome(client)
	if err != nil {
		return err
	}
	srv, err := serve.New(client, serve.Options{}, fn)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/inngest", srv)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/api/inngest"
	if os.Getenv("INNGEST_DEV") != "" {
		if err := srv.Register(ctx, url); err != nil {
			return err
		}
		log.Printf("serving on %s; send %s from the dev server", url, UserSignedUp.EventName())
	} else {
		log.Printf("serving on %s in cloud mode; sync it with: curl -X PUT %s (INNGEST_SERVE_ORIGIN must be set to the app's public origin)", url, url)
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return hs.Shutdown(shutdown)
}

// runEmbedded starts the embedded engine and the app on loopback ports,
// sends one event, waits for its run and returns the run's output.
func runEmbedded(ctx context.Context) (string, error) {
	eng, err := engine.New(engine.Options{})
	if err != nil {
		return "", err
	}
	defer eng.Close()
	engURL, stopEngine, err := listen(eng.Handler())
	if err != nil {
		return "", err
	}
	defer stopEngine()

	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "quickstart", Mode: inngest.ModeDev, BaseURL: engURL})
	if err != nil {
		return "", err
	}
	fn, err := newWelcome(client)
	if err != nil {
		return "", err
	}
	appURL, stopApp, err := listen(serve.Handler(client, fn))
	if err != nil {
		return "", err
	}
	defer stopApp()
	if err := eng.Sync(ctx, appURL+"/api/inngest"); err != nil {
		return "", err
	}
	ids, err := client.Send(ctx, UserSignedUp.New(SignUp{Email: "alice@example.com"}))
	if err != nil {
		return "", err
	}
	runs, err := eng.WaitForEventRuns(ctx, ids[0], 1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s: %s", runs[0].FunctionID, runs[0].Status, runs[0].Output), nil
}

// listen serves h on a free loopback port and returns its URL.
func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
