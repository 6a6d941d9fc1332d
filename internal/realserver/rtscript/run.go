package rtscript

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// RunChannel is the channel the function of the run scenario publishes on.
const RunChannel = "rt-run"

// RunRequested starts the run scenario's function.
var RunRequested = events.Define[struct {
	N int `json:"n"`
}]("rtrec/run.requested")

// RunFunction is the run scenario's function: a step publishes (raw HTTP, with
// the run's id) that the run started, the run sleeps a second, a second step
// publishes that it is done, and the run returns {"ok":true}. It publishes to
// base, the server's API origin.
func RunFunction(c *inngest.Client, base, key string, httpc *http.Client) (inngest.ServableFunction, error) {
	if httpc == nil {
		httpc = http.DefaultClient
	}
	publish := func(ctx context.Context, runID string, data any) (string, error) {
		b, _ := json.Marshal(data)
		q := url.Values{"channel": {RunChannel}, "topic": {"progress"}, "run_id": {runID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/realtime/publish?"+q.Encode(), strings.NewReader(string(b)))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode/100 != 2 {
			return "", fmt.Errorf("publish: status %d", resp.StatusCode)
		}
		return "published", nil
	}
	return inngest.NewFunction(c, inngest.FunctionOpts{ID: "rt-publisher"}, inngest.OnEvent(RunRequested),
		func(ctx context.Context, in inngest.Input[struct {
			N int `json:"n"`
		}]) (map[string]bool, error) {
			if _, err := step.Run(ctx, "publish-started", func(ctx context.Context) (string, error) {
				return publish(ctx, in.RunID, map[string]string{"stage": "started", "run_id": in.RunID})
			}); err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "pause", time.Second); err != nil {
				return nil, err
			}
			if _, err := step.Run(ctx, "publish-done", func(ctx context.Context) (string, error) {
				return publish(ctx, in.RunID, map[string]string{"stage": "done"})
			}); err != nil {
				return nil, err
			}
			return map[string]bool{"ok": true}, nil
		})
}

// RunScenario subscribes over SSE to RunChannel and, once the run has said
// its id, to the run's own channel (topics $step and $run: the server's
// run-level topics), sends the event with send and records what both
// subscribers saw until the run's second message and wait after it.
func RunScenario(ctx context.Context, o Options, send func(ctx context.Context) error, wait time.Duration) (*Recording, error) {
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	r := &runner{o: o, rec: &Recording{About: "a function run publishing from two steps; a subscriber on its channel and one on the run's own channel ($step, $run)"}}
	defer r.closeAll()
	tok, err := r.token(ctx, "token", RunChannel, []string{"progress"})
	if err != nil {
		return nil, err
	}
	sub, err := r.subscribe(ctx, "sse-progress", "sse", "query", RunChannel, tok, []string{"progress"})
	if err != nil {
		return nil, err
	}
	r.subs = append(r.subs, sub)
	time.Sleep(300 * time.Millisecond)
	if err := send(ctx); err != nil {
		return nil, err
	}
	runID, err := sub.waitRunID(ctx, 60*time.Second)
	if err != nil {
		return nil, err
	}
	runTok, err := r.token(ctx, "token-run", runID, []string{"$step", "$run"})
	if err != nil {
		return nil, err
	}
	r.rec.Exchanges[len(r.rec.Exchanges)-1] = redactRun(r.rec.Exchanges[len(r.rec.Exchanges)-1], runID)
	runSub, err := r.subscribe(ctx, "sse-run-topics", "sse", "query", "<run id>", runTok, []string{"$step", "$run"})
	if err != nil {
		return nil, err
	}
	r.subs = append(r.subs, runSub)
	if err := sub.waitFrames(ctx, 3, 60*time.Second); err != nil { // keepalive, started, done
		return nil, err
	}
	time.Sleep(wait)
	r.closeAll()
	for _, s := range r.subs {
		res := s.result()
		for i, f := range res.Frames {
			res.Frames[i] = json.RawMessage(strings.ReplaceAll(string(f), runID, "<run id>"))
		}
		r.rec.Subs = append(r.rec.Subs, res)
	}
	return r.rec, nil
}

func redactRun(ex Exchange, runID string) Exchange {
	ex.Body = strings.ReplaceAll(ex.Body, runID, "<run id>")
	ex.Response = json.RawMessage(strings.ReplaceAll(string(ex.Response), runID, "<run id>"))
	return ex
}

// waitRunID waits for a frame carrying data.run_id and returns it.
func (s *subscriber) waitRunID(ctx context.Context, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, f := range s.frames {
			var m struct {
				Data struct {
					RunID string `json:"run_id"`
				} `json:"data"`
			}
			if json.Unmarshal(f, &m) == nil && m.Data.RunID != "" {
				s.mu.Unlock()
				return m.Data.RunID, nil
			}
		}
		s.mu.Unlock()
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: no run id seen", s.desc.Name)
}

// waitFrames waits until s has seen n frames.
func (s *subscriber) waitFrames(ctx context.Context, n int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := len(s.frames)
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: saw fewer than %d frames", s.desc.Name, n)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
