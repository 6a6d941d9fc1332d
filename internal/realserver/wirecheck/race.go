package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/racecase"
)

func recordRace(e env) (any, error) {
	recs, err := runFunctionsKeeping(e, "wirecheck-race", racecase.Event, racecase.Data{N: 1}, 8*time.Second, true, func(c *inngest.Client) ([]inngest.ServableFunction, []string, error) {
		var fns []inngest.ServableFunction
		var ids []string
		for _, rc := range racecase.Cases {
			body := rc.Body
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: rc.ID, Checkpoint: rc.Checkpoint}, inngest.OnEvent(racecase.Event),
				func(ctx context.Context, in inngest.Input[racecase.Data]) (racecase.Out, error) { return body(ctx) })
			if err != nil {
				return nil, nil, err
			}
			fns, ids = append(fns, fn), append(ids, rc.ID)
		}
		return fns, ids, nil
	})
	if err != nil {
		return nil, err
	}
	return CaseRecording{About: "step.Race (internal/realserver/racecase): a fast step against a sleep; two sequential steps against a slow step and a sleep; a loser whose step fails; a winner that fails; checkpointing off and on",
		Server: "inngest dev " + e.commit, Functions: recs}, nil
}

// runTrace asks the server's GraphQL API for the run's trace: each span's
// name, status, step op and id, attempts, output id and metadata, with its
// children.
func runTrace(server, runID string) (json.RawMessage, error) {
	const fields = `name status stepOp stepID attempts outputID metadata { scope kind values }`
	q := fmt.Sprintf(`query($id: String!) { runTrace(runID: $id) { %s childrenSpans { %s childrenSpans { %s childrenSpans { %s } } } } }`, fields, fields, fields, fields)
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]string{"id": runID}})
	resp, err := http.Post(server+"/v0/gql", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var got struct {
		Data   struct{ RunTrace json.RawMessage } `json:"data"`
		Errors json.RawMessage                    `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return nil, err
	}
	if len(got.Errors) > 0 && string(got.Errors) != "null" {
		return nil, fmt.Errorf("runTrace %s: %s", runID, got.Errors)
	}
	return got.Data.RunTrace, nil
}
