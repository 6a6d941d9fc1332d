package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// FnRecording is one function's run in a case that sends one event and waits
// for every function's run to end.
type FnRecording struct {
	Function string `json:"function"`
	// Calls are the server's calls of the run, Checkpoints the SDK's
	// checkpoint requests for it.
	Calls       []Exchange `json:"calls"`
	Checkpoints []Exchange `json:"checkpoints,omitempty"`
	Run         Run        `json:"run"`
	// Trace is the run's trace as the server's GraphQL runTrace query
	// returns it (cases that ask for it).
	Trace json.RawMessage `json:"trace,omitempty"`
}

// CaseRecording is wire-stepids.json and wire-noretry.json.
type CaseRecording struct {
	About     string        `json:"about"`
	Server    string        `json:"server"`
	Functions []FnRecording `json:"functions"`
}

type caseData struct {
	N int `json:"n"`
}

// runFunctions serves the functions build makes on a dev-mode client of app
// id appID, sends ev once, waits for each function's run to end and settle
// more, and returns what the server did with each run.
func runFunctions(e env, appID string, ev events.Definition[caseData], settle time.Duration,
	build func(c *inngest.Client) ([]inngest.ServableFunction, []string, error)) ([]FnRecording, error) {
	return runFunctionsKeeping(e, appID, ev, caseData{N: 1}, settle, false, build)
}

// runFunctionsKeeping is runFunctions; keep also stores each call's request
// body and the run's trace.
func runFunctionsKeeping[T any](e env, appID string, ev events.Definition[T], data T, settle time.Duration, keep bool,
	build func(c *inngest.Client) ([]inngest.ServableFunction, []string, error)) ([]FnRecording, error) {
	ctx := context.Background()
	out := &outbound{start: time.Now()}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: appID, Mode: inngest.ModeDev, DevServerURL: e.server,
		APIBaseURL: e.server, EventAPIBaseURL: e.server, HTTPClient: &http.Client{Transport: out, Timeout: 30 * time.Second}})
	if err != nil {
		return nil, err
	}
	fns, ids, err := build(c)
	if err != nil {
		return nil, err
	}
	h, err := serve.New(c, serve.Options{}, fns...)
	if err != nil {
		return nil, err
	}
	a, err := serveApp(e.app, h, keep)
	if err != nil {
		return nil, err
	}
	defer a.close()
	if err := h.Register(ctx, a.url()); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	if _, err := c.Send(ctx, ev.New(data)); err != nil {
		return nil, err
	}
	recs := make([]FnRecording, len(ids))
	runIDs := make([]string, len(ids))
	for i, id := range ids {
		recs[i].Function = id
		if runIDs[i], err = runOf(a, appID+"-"+id, 30*time.Second); err != nil {
			return nil, err
		}
		if recs[i].Run, err = waitRun(e.server, "", runIDs[i], 5*time.Minute); err != nil {
			return nil, err
		}
	}
	time.Sleep(settle)
	for i := range recs {
		recs[i].Calls = callsOf(a, runIDs[i])
		if keep {
			if recs[i].Trace, err = runTrace(e.server, runIDs[i]); err != nil {
				return nil, err
			}
		}
		for _, ex := range out.exchanges() {
			if containsRun(ex.Body, runIDs[i]) {
				recs[i].Checkpoints = append(recs[i].Checkpoints, ex)
			}
		}
	}
	return recs, nil
}
