package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

type smokeIn struct {
	Name string `json:"name"`
}

var smokeEvent = events.Define[smokeIn]("test/smoke.started")

func TestSmokeSerial(t *testing.T) {
	t.Parallel()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "app", Mode: inngest.ModeDev, Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "serial"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) (map[string]string, error) {
			a, err := step.Run(ctx, "A", func(ctx context.Context) (string, error) { return "hello " + in.Event.Data.Name, nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "nap", 2*time.Second); err != nil {
				return nil, err
			}
			b, err := step.Run(ctx, "B", func(ctx context.Context) (string, error) { return a + "!", nil })
			return map[string]string{"a": a, "b": b}, err
		})
	require.NoError(t, err)
	h := serve.Handler(c, fn)
	post := func(steps string) (int, string, http.Header) {
		body := `{"ctx":{"attempt":0,"disable_immediate_execution":false,"fn_id":"x","max_attempts":5,"run_id":"r1","stack":{"current":0,"stack":[]},"step_id":"step"},"event":{"data":{"name":"bob"},"id":"e1","name":"test/smoke.started","ts":1,"user":{}},"events":[{"data":{"name":"bob"},"id":"e1","name":"test/smoke.started","ts":1,"user":{}}],"steps":` + steps + `,"use_api":false,"version":2}`
		req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-serial&stepId=step", strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String(), rec.Header()
	}
	code, body, hdr := post(`{}`)
	require.Equal(t, 206, code, body)
	require.Equal(t, "2", hdr.Get("X-Inngest-Req-Version"))
	var ops []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &ops))
	require.Len(t, ops, 1)
	require.Equal(t, "StepRun", ops[0]["op"])
	require.Equal(t, "6dcd4ce23d88e2ee9568ba546c007c63d9131c1b", ops[0]["id"])
	require.Equal(t, "hello bob", ops[0]["data"])

	code, body, _ = post(`{"6dcd4ce23d88e2ee9568ba546c007c63d9131c1b":{"data":"hello bob"}}`)
	require.Equal(t, 206, code, body)
	require.Contains(t, body, `"op":"Sleep"`)
	require.Contains(t, body, `"duration":"2s"`)

	code, body, _ = post(`{"6dcd4ce23d88e2ee9568ba546c007c63d9131c1b":{"data":"hello bob"},"c2640f79b4ed481b838ce4ad75330aa3f825d4d9":null}`)
	require.Equal(t, 206, code, body)
	require.Contains(t, body, `"data":"hello bob!"`)

	code, body, _ = post(`{"6dcd4ce23d88e2ee9568ba546c007c63d9131c1b":{"data":"hello bob"},"c2640f79b4ed481b838ce4ad75330aa3f825d4d9":null,"ae4f281df5a5d0ff3cad6371f76d5c29b6d953ec":{"data":"hello bob!"}}`)
	require.Equal(t, 200, code, body)
	require.JSONEq(t, `{"a":"hello bob","b":"hello bob!"}`, body)
}
