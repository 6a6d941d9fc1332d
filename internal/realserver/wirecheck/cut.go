package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// CutRecording is wire-cut.json: per checkpoint mode, a run of steps s1..s4
// whose call is cut while s2 runs (its first execution).
type CutRecording struct {
	About  string    `json:"about"`
	Server string    `json:"server"`
	Modes  []CutMode `json:"modes"`
}

// CutMode is one function's run.
type CutMode struct {
	// Function is the function's id; Checkpoint says how it checkpoints.
	Function   string                    `json:"function"`
	Checkpoint inngest.CheckpointOptions `json:"checkpoint"`
	// Executions counts each step body's executions; Orphans those that began
	// in a call whose context was already cancelled (started after the cut).
	Executions map[string]int `json:"executions"`
	Orphans    map[string]int `json:"orphans"`
	// Calls are the server's calls of the run; Checkpoints the SDK's
	// checkpoint requests for it.
	Calls       []Exchange `json:"calls"`
	Checkpoints []Exchange `json:"checkpoints"`
	Run         Run        `json:"run"`
}

type cutData struct {
	N int `json:"n"`
}

var cutEvent = events.Define[cutData]("wirecheck/cut.started")

func recordCut(e env) (any, error) {
	ctx := context.Background()
	out := &outbound{start: time.Now()}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecheck-cut", Mode: inngest.ModeDev, DevServerURL: e.server,
		APIBaseURL: e.server, EventAPIBaseURL: e.server, HTTPClient: &http.Client{Transport: out, Timeout: 30 * time.Second}})
	if err != nil {
		return nil, err
	}
	modes := []CutMode{
		{Function: "cut-on", Checkpoint: inngest.CheckpointOptions{}},
		{Function: "cut-batch-one", Checkpoint: inngest.CheckpointOptions{BatchSteps: 1}},
		{Function: "cut-off", Checkpoint: inngest.CheckpointOptions{Disabled: true}},
	}
	var mu sync.Mutex
	var a *app
	var fns []inngest.ServableFunction
	for i := range modes {
		m := &modes[i]
		m.Executions, m.Orphans = map[string]int{}, map[string]int{}
		fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: m.Function, Checkpoint: m.Checkpoint}, inngest.OnEvent(cutEvent),
			func(ctx context.Context, in inngest.Input[cutData]) (string, error) {
				s := ""
				for _, id := range []string{"s1", "s2", "s3", "s4"} {
					v, err := step.Run(ctx, id, func(ctx context.Context) (string, error) {
						mu.Lock()
						if ctx.Err() != nil {
							m.Orphans[id]++
						}
						m.Executions[id]++
						first := m.Executions[id] == 1
						mu.Unlock()
						if first && id == "s2" {
							a.cut(in.RunID)
							<-ctx.Done() // the SDK saw the connection close
						}
						return id, nil // the step in flight finishes
					})
					if err != nil {
						return "", err
					}
					s += v
				}
				return s, nil
			})
		if err != nil {
			return nil, err
		}
		fns = append(fns, fn)
	}
	h, err := serve.New(c, serve.Options{}, fns...)
	if err != nil {
		return nil, err
	}
	a, err = serveApp(e.app, h, false)
	if err != nil {
		return nil, err
	}
	defer a.close()
	if err := h.Register(ctx, a.url()); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	if _, err := c.Send(ctx, cutEvent.New(cutData{N: 1})); err != nil {
		return nil, err
	}
	for i := range modes {
		m := &modes[i]
		id, err := runOf(a, "wirecheck-cut-"+m.Function, 30*time.Second)
		if err != nil {
			return nil, err
		}
		if m.Run, err = waitRun(e.server, "", id, 3*time.Minute); err != nil {
			return nil, err
		}
	}
	time.Sleep(5 * time.Second) // nothing more comes
	for i := range modes {
		m := &modes[i]
		id, _ := runOf(a, "wirecheck-cut-"+m.Function, time.Second)
		m.Calls = callsOf(a, id)
		for _, ex := range out.exchanges() {
			if ex.Body != nil && containsRun(ex.Body, id) {
				m.Checkpoints = append(m.Checkpoints, ex)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return CutRecording{About: "steps s1..s4; the call is cut (server's connection closed, the SDK's request context cancelled) while s2 runs its first time",
		Server: "inngest dev " + e.commit, Modes: modes}, nil
}

func containsRun(body []byte, runID string) bool {
	return runID != "" && len(body) > 0 && bytesContains(body, runID)
}
