package engine_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
)

// Example starts an engine on a virtual clock, serves its API and sends an
// event through the Go API.
func Example() {
	clk := engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clk.SetAutoAdvance(true) // timers fire as soon as nothing else is happening
	eng, err := engine.New(engine.Options{Clock: clk})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(eng.Handler()) // point an SDK's API/event origin here
	defer srv.Close()

	ids, err := eng.Send(context.Background(), events.Raw{ID: "order-1", Name: "shop/order.created", Data: map[string]any{"total": 42}})
	fmt.Println(ids, err, len(must(eng.Runs())))
	// Output: [order-1] <nil> 0
}
