package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// EventName is the name of the event that starts a durable endpoint's run.
const EventName = wire.EndpointEventName

type runEvent struct {
	Name string               `json:"name"`
	Data wire.EndpointRequest `json:"data"`
	TS   int64                `json:"ts,omitempty"`
}

// newRunRequest is the body of POST /v1/checkpoint.
type newRunRequest struct {
	RunID          string    `json:"run_id"`
	Event          runEvent  `json:"event"`
	Steps          []wire.Op `json:"steps"`
	RequestVersion int       `json:"request_version"`
	Retries        int       `json:"retries"`
	TS             int64     `json:"ts"`
}

// newRunResponse is the data of its answer.
type newRunResponse struct {
	Data struct {
		FnID  string `json:"fn_id"`
		AppID string `json:"app_id"`
		RunID string `json:"run_id"`
		Token string `json:"token"`
	} `json:"data"`
}

// stepsRequest is the body of POST /v1/checkpoint/{run}/steps.
type stepsRequest struct {
	RunID string    `json:"run_id"`
	FnID  string    `json:"fn_id"`
	AppID string    `json:"app_id"`
	Steps []wire.Op `json:"steps"`
	TS    int64     `json:"ts"`
}

// apiResult is the data of the RunComplete op that ends a run: the
// handler's response (the server's apiresult.APIResult).
type apiResult struct {
	Status   int               `json:"status"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	Duration int64             `json:"duration"`
}

// apiError is a non-2xx answer of the checkpoint API.
type apiError struct {
	Path   string
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("inngest: %s answered %d: %s", e.Path, e.Status, e.Body)
}

// syncRun is a run created through the checkpoint API.
type syncRun struct {
	id, fnID, appID, token string
}

// checkpointer sends a request's steps: the first batch creates the run.
type checkpointer struct {
	cfg     *exec.ClientConfig
	runID   string
	event   runEvent
	retries int
	now     func() int64
	run     *syncRun
}

// send checkpoints ops, creating the run on the first call.
func (c *checkpointer) send(ctx context.Context, ops []wire.Op) error {
	if c.run == nil {
		body, err := jsoncodec.Marshal(newRunRequest{RunID: c.runID, Event: c.event, Steps: ops,
			RequestVersion: 2, Retries: c.retries, TS: c.now()})
		if err != nil {
			return err
		}
		raw, err := c.do(ctx, "/v1/checkpoint", body, false)
		if err != nil {
			return err
		}
		var resp newRunResponse
		if err := jsoncodec.Unmarshal(raw, &resp); err != nil {
			return fmt.Errorf("inngest: decoding the new run's answer: %w", err)
		}
		id := resp.Data.RunID
		if id == "" {
			id = c.runID
		}
		c.run = &syncRun{id: id, fnID: resp.Data.FnID, appID: resp.Data.AppID, token: resp.Data.Token}
		return nil
	}
	body, err := jsoncodec.Marshal(stepsRequest{RunID: c.run.id, FnID: c.run.fnID, AppID: c.run.appID, Steps: ops, TS: c.now()})
	if err != nil {
		return err
	}
	// Checkpointing the same steps twice is harmless (the server ignores a
	// step it already has), so the request is retried.
	_, err = c.do(ctx, "/v1/checkpoint/"+url.PathEscape(c.run.id)+"/steps", body, true)
	return err
}

func (c *checkpointer) do(ctx context.Context, path string, body []byte, idempotent bool) ([]byte, error) {
	res, err := restapi.Do(ctx, c.cfg, http.MethodPost, path, body, idempotent)
	if err != nil {
		return nil, err
	}
	if res.Status/100 != 2 {
		return nil, &apiError{Path: path, Status: res.Status, Body: string(truncate(res.Body, 512))}
	}
	return res.Body, nil
}

// outputURL is where the run's result can be awaited.
func outputURL(cfg *exec.ClientConfig, run *syncRun) string {
	if run == nil || run.token == "" {
		return ""
	}
	return cfg.APIBaseURL + "/v1/checkpoint/" + url.PathEscape(run.id) + "/output?token=" + url.QueryEscape(run.token)
}

// loadSteps fetches a run's completed steps (GET /v0/runs/{run}/actions).
func loadSteps(ctx context.Context, cfg *exec.ClientConfig, runID string) (map[string]json.RawMessage, error) {
	path := "/v0/runs/" + url.PathEscape(runID) + "/actions"
	res, err := restapi.Do(ctx, cfg, http.MethodGet, path, nil, true)
	if err != nil {
		return nil, err
	}
	if res.Status != http.StatusOK {
		return nil, &apiError{Path: path, Status: res.Status, Body: string(truncate(res.Body, 512))}
	}
	steps := map[string]json.RawMessage{}
	if err := jsoncodec.Unmarshal(res.Body, &steps); err != nil {
		return nil, fmt.Errorf("inngest: decoding the run's steps: %w", err)
	}
	return steps, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
