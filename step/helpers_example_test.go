package step_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/seed-b02f2472/inngest-go/inngest"
)

// newClient returns a dev-mode client for the examples.
func newClient() *inngest.Client {
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	if err != nil {
		panic(err)
	}
	return c
}

// callOnce posts one call request, as the Inngest server would, and prints the
// status and either the reported ops or the result.
func callOnce(h http.Handler, fnID, stepID, event, steps string) {
	body := `{"ctx":{"attempt":0,"max_attempts":5,"run_id":"01KRUN","step_id":"step","stack":{"current":0,"stack":[]}},` +
		`"event":` + event + `,"events":[` + event + `],"steps":` + steps + `,"version":2}`
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId="+fnID+"&stepId="+stepID, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusPartialContent {
		fmt.Println(rec.Code, rec.Body.String())
		return
	}
	var ops []struct {
		Op   string          `json:"op"`
		Name string          `json:"name"`
		Opts json.RawMessage `json:"opts"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &ops)
	for _, op := range ops {
		parts := []string{fmt.Sprint(rec.Code), op.Op, op.Name}
		for _, raw := range []json.RawMessage{op.Opts, op.Data} {
			if len(raw) > 0 && string(raw) != "null" {
				parts = append(parts, string(raw))
			}
		}
		fmt.Println(strings.Join(parts, " "))
	}
}
