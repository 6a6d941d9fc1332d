package inngest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// A middleware is a set of optional hooks. This one stamps every event sent by
// the client and logs each step whose code runs (memoized steps are not
// logged); a second, per-function middleware redacts the function's output.
// Registered on the client, a middleware applies to every function; given in
// FunctionOpts, to one function, after the client's.
func ExampleMiddleware() {
	stamp := &inngest.Middleware{
		Name: "stamp",
		TransformSend: func(ctx context.Context, ev *events.Envelope) error {
			var data map[string]any
			if err := json.Unmarshal(ev.Data, &data); err != nil {
				return err
			}
			data["sent_by"] = "billing"
			b, err := json.Marshal(data)
			ev.Data = b
			return err
		},
		BeforeStep: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo) context.Context {
			fmt.Println("running step", s.ID, "of", call.RunID)
			return ctx
		},
	}
	redact := &inngest.Middleware{
		Name: "redact",
		TransformOutput: func(ctx context.Context, call inngest.CallInfo, out json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`"[redacted]"`), nil
		},
	}

	// An event API that prints what it receives.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var evs []struct {
			Data json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(body, &evs)
		fmt.Println("received", string(evs[0].Data))
		_, _ = w.Write([]byte(`{"ids":["01J0000000000000000000000A"],"status":200}`))
	}))
	defer api.Close()

	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "billing", Mode: inngest.ModeDev, BaseURL: api.URL,
		Middleware: []*inngest.Middleware{stamp}})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "invoice", Middleware: []*inngest.Middleware{redact}},
		inngest.OnEvent(evOrder),
		func(ctx context.Context, in inngest.Input[order]) (string, error) { return "secret", nil })
	if err != nil {
		panic(err)
	}
	fmt.Println(fn.ID())
	if _, err := c.Send(context.Background(), evOrder.New(order{AccountID: "acct-1"})); err != nil {
		panic(err)
	}
	// Output:
	// billing-invoice
	// received {"account_id":"acct-1","sent_by":"billing"}
}
