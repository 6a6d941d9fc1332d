// Command quickstart is the smallest Inngest app: one event, one function,
// one step. Run it as is and it starts the embedded engine in process, sends
// one event, prints the run's output and exits; with
// INNGEST_DEV=http://127.0.0.1:8288 it serves on :3000 and registers with
// that dev server instead.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"

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
	if os.Getenv("INNGEST_DEV") != "" {
		log.Fatal(serveDev())
	}
	out, err := runEmbedded(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)
}

// serveDev serves the function on :3000/api/inngest and registers it with
// the dev server named by INNGEST_DEV; send events from the dev server's UI.
func serveDev() error {
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:3000")
	if err != nil {
		return err
	}
	go func() { _ = http.Serve(ln, srv) }()
	if err := srv.Register(ctx, "http://127.0.0.1:3000/api/inngest"); err != nil {
		return err
	}
	log.Printf("serving on http://127.0.0.1:3000/api/inngest; send %s from the dev server", UserSignedUp.EventName())
	<-ctx.Done()
	return nil
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
