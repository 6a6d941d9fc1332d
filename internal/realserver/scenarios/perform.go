package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// IsAction reports whether event i is an action rather than an event: an
// Event with no Name cancels, through DELETE /v1/runs/{id}, every run listed
// under event CancelRunsOf.
func (s *Scenario) IsAction(i int) bool { return s.Events[i].Name == "" }

// DataJSON is the data of event i as sent (N set to i; an action's is that
// of its zero Data).
func (s *Scenario) DataJSON(i int) json.RawMessage {
	d := s.Events[i].Data
	d.N = i
	b, _ := jsoncodec.Marshal(d)
	return b
}

// Perform sends the events of group g in one request, then performs its
// actions against the server at baseURL, and returns the ids of the events
// sent, by position in g ("" for an action). sent holds the ids of the
// events sent so far, by index.
func (s *Scenario) Perform(ctx context.Context, client *inngest.Client, baseURL string, g Group, sent []string) ([]string, error) {
	ids := make([]string, len(g.Indexes))
	var evs []events.Sendable
	var pos []int
	for k, i := range g.Indexes {
		if !s.IsAction(i) {
			evs = append(evs, s.Envelope(i))
			pos = append(pos, k)
		}
	}
	if len(evs) > 0 {
		got, err := client.Send(ctx, evs...)
		if err != nil {
			return nil, err
		}
		if len(got) != len(evs) {
			return nil, errors.New("server returned a different number of ids")
		}
		for j, k := range pos {
			ids[k] = got[j]
		}
	}
	for _, i := range g.Indexes {
		if s.IsAction(i) {
			if err := cancelRuns(ctx, baseURL, sent[s.Events[i].CancelRunsOf]); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// cancelRuns cancels every run listed under an event through the run API.
func cancelRuns(ctx context.Context, baseURL, eventID string) error {
	c := &Collector{BaseURL: baseURL}
	var runs []apiRun
	if err := c.get(ctx, "/v1/events/"+eventID+"/runs", &runs); err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("no run to cancel under event %s", eventID)
	}
	for _, r := range runs {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, baseURL+"/v1/runs/"+r.RunID, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("DELETE /v1/runs/%s: %d %s", r.RunID, resp.StatusCode, body)
		}
	}
	return nil
}
