package realtime_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/realtime"
)

type Ticket struct {
	ID int `json:"id"`
}

var TicketOpened = events.Define[Ticket]("app/ticket.opened")

// A function publishing each stage durably, and a web app relaying a
// ticket's channel to the browser (SSE) or handing it a token.
func Example() {
	client, _ := inngest.NewClient(inngest.ClientOptions{AppID: "tickets", Mode: inngest.ModeDev})
	_, _ = inngest.NewFunction(client, inngest.FunctionOpts{ID: "pipeline"}, inngest.OnEvent(TicketOpened),
		func(ctx context.Context, in inngest.Input[Ticket]) (string, error) {
			ch := stageTopic.On(fmt.Sprint("ticket:", in.Event.Data.ID))
			if _, err := realtime.PublishStep(ctx, "validated", ch, stage{Ticket: in.Event.Data.ID, Stage: "validated"}); err != nil {
				return "", err
			}
			_, err := realtime.PublishStep(ctx, "done", ch, stage{Ticket: in.Event.Data.ID, Stage: "done"})
			return "ok", err
		})

	rt := realtime.New(client)
	resolve := func(r *http.Request) (string, []string, error) {
		return "ticket:" + r.PathValue("id"), []string{stageTopic.Name()}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /tickets/{id}/events", rt.SSEHandler(resolve))
	mux.Handle("GET /tickets/{id}/token", rt.TokenHandler(resolve))
	_ = mux
}
