package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngest/api"
)

func Example() {
	// An embedded engine stands in for the Inngest server.
	eng, err := engine.New(engine.Options{Clock: engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(eng.Handler())
	defer srv.Close()
	ic, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, APIBaseURL: srv.URL, EventAPIBaseURL: srv.URL})
	c := api.New(ic)
	ctx := context.Background()

	ids, _ := ic.Send(ctx, events.Raw{Name: "shop/order.placed", Data: map[string]any{"id": "o1"}})
	ev, _ := c.GetEvent(ctx, ids[0])
	runs, _ := c.EventRuns(ctx, ids[0])
	fmt.Println(ev.Name, ev.Data["id"], len(runs))

	_, err = c.GetRun(ctx, "01KZZZZZZZZZZZZZZZZZZZZZZZ")
	fmt.Println(errors.Is(err, inngest.ErrNotFound))

	_, err = c.CreateCancellation(ctx, api.CancellationRequest{FunctionID: "fulfil", StartedBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	var ae *inngest.APIError
	fmt.Println(errors.As(err, &ae), ae.Status, ae.Message)
	// Output:
	// shop/order.placed o1 0
	// true
	// true 404 function not found
}
