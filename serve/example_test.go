package serve_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

func ExampleHandler() {
	type hello struct {
		Name string `json:"name"`
	}
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "demo", Mode: inngest.ModeDev})
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent(events.Define[hello]("demo/hello.sent")),
		func(ctx context.Context, in inngest.Input[hello]) (string, error) {
			return "hi " + in.Event.Data.Name, nil
		})

	mux := http.NewServeMux()
	mux.Handle("/api/inngest", serve.Handler(c, fn))

	// GET: introspection.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/inngest", nil))
	fmt.Println(rec.Code, rec.Body.String())

	// POST: a call from the server.
	body := `{"ctx":{"run_id":"r","max_attempts":5},"event":{"name":"demo/hello.sent","data":{"name":"Ada"}},"steps":{}}`
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=demo-greet&stepId=step", strings.NewReader(body)))
	fmt.Println(rec.Code, rec.Header().Get("X-Inngest-Req-Version"), rec.Body.String())
	// Output:
	// 200 {"schema_version":"2024-05-24","authentication_succeeded":null,"function_count":1,"has_event_key":false,"has_signing_key":false,"has_signing_key_fallback":false,"mode":"dev"}
	// 200 2 "hi Ada"
}
