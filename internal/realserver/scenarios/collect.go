package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// apiRun is the part of the run API's run object a recording keeps.
type apiRun struct {
	RunID        string          `json:"run_id"`
	FunctionID   string          `json:"function_id"`
	Status       string          `json:"status"`
	RunStartedAt time.Time       `json:"run_started_at"`
	EndedAt      *time.Time      `json:"ended_at"`
	Output       json.RawMessage `json:"output"`
}

// Collector reads a server's run API into recorded runs.
type Collector struct {
	// BaseURL is the server's origin, e.g. http://127.0.0.1:8288.
	BaseURL string
	// HTTP makes the requests. Default: http.DefaultClient.
	HTTP *http.Client
	// Scenario is the scenario being run.
	Scenario *Scenario
	// Observer is what the app saw.
	Observer *Observer
	// T0 is the moment offsets are measured from, on the server's clock.
	T0 time.Time
	// EventIDs are the ids of the events sent, by index ("" for one not sent yet).
	EventIDs []string
}

// final reports whether a run API status is final.
func final(status string) bool {
	return status == "Completed" || status == "Failed" || status == "Cancelled"
}

// Collect asks the run API for the runs of every event sent and of every run the
// app saw, and reports whether all of them are final.
func (c *Collector) Collect(ctx context.Context) (runs []RecordedRun, done bool, err error) {
	found := map[string]*apiRun{}
	listed := map[string][]int{}
	var order []string
	for i, id := range c.EventIDs {
		if id == "" {
			continue
		}
		var rs []apiRun
		if err := c.get(ctx, "/v1/events/"+id+"/runs", &rs); err != nil {
			return nil, false, err
		}
		for _, r := range rs {
			if _, ok := found[r.RunID]; !ok {
				found[r.RunID] = &r
				order = append(order, r.RunID)
			}
			listed[r.RunID] = append(listed[r.RunID], i)
		}
	}
	seen := c.Observer.Runs()
	for id := range seen {
		if _, ok := found[id]; !ok {
			order = append(order, id)
			found[id] = nil
		}
	}
	done = true
	for _, id := range order {
		var r apiRun
		if err := c.get(ctx, "/v1/runs/"+id, &r); err != nil {
			return nil, false, err
		}
		if r.RunID == "" { // not known to the run API yet
			done = false
			continue
		}
		rec := RecordedRun{RunID: id, Status: r.Status, ListedUnder: listed[id], StartMS: -1, EndMS: -1,
			QueuedMS: r.RunStartedAt.Sub(c.T0).Milliseconds(), Output: r.Output}
		if rec.ListedUnder == nil {
			rec.ListedUnder = []int{}
		}
		if s, ok := seen[id]; ok {
			rec.Function, rec.Events = s.Slug, s.Events
			rec.StartMS = s.FirstCall.Sub(c.T0).Milliseconds()
		} else {
			rec.Events = slices.Clone(rec.ListedUnder)
			if len(rec.ListedUnder) > 0 {
				rec.Function = c.Scenario.SlugFor(c.Scenario.Events[rec.ListedUnder[0]].Name)
			}
		}
		if r.EndedAt != nil && !r.EndedAt.IsZero() {
			rec.EndMS = r.EndedAt.Sub(c.T0).Milliseconds()
		}
		if !final(r.Status) {
			done = false
		}
		runs = append(runs, rec)
	}
	return runs, done, nil
}

// get fetches path's data object into v, with a junk query defeating the server's
// response cache.
func (c *Collector) get(ctx context.Context, path string, v any) error {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	u := c.BaseURL + path + "?nc=" + strconv.FormatInt(time.Now().UnixNano(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := jsoncodec.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	return jsoncodec.Unmarshal(env.Data, v)
}
