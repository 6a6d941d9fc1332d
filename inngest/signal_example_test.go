package inngest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

func ExampleClient_SendSignal() {
	// An embedded engine stands in for the Inngest server.
	eng, err := engine.New(engine.Options{Clock: engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(eng.Handler())
	defer srv.Close()
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, APIBaseURL: srv.URL})

	// A run waiting in step.WaitForSignal for "approve-ticket-7" would be
	// resumed with the data and its run ID returned; here none waits.
	runID, err := c.SendSignal(context.Background(), "approve-ticket-7", map[string]bool{"approved": true})
	fmt.Printf("%q %t\n", runID, errors.Is(err, inngest.ErrNoSignalWait))
	// Output: "" true
}
