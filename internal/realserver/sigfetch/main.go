// Command sigfetch records the real server's answers to a step.WaitForSignal
// and step.Fetch round trip: start `inngest dev` on -dev, then run it; it
// writes the recording to -out (testdata/realserver/signal-fetch.json),
// which TestSignalFetchAsRecorded replays on the engine.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type started struct {
	Key string `json:"key"`
}

var begin = events.Define[started]("rec/sigfetch.started")

// Recording is what the file holds.
type Recording struct {
	// SignalOK and SignalNone are POST /v1/signals answers (status, body)
	// for a waiting run and for a signal nobody waits for.
	SignalOK, SignalNone Answer
	// Memos are the step memos the SDK received in the run's last call,
	// by step name: fetch-ok, fetch-404, fetch-down, wait-signal,
	// wait-timeout.
	Memos map[string]json.RawMessage
	// Output is the run's output.
	Output json.RawMessage
}

// Answer is an HTTP answer.
type Answer struct {
	Status int
	Body   json.RawMessage
}

func main() {
	dev := flag.String("dev", "http://127.0.0.1:12288", "dev server URL")
	out := flag.String("out", "testdata/realserver/signal-fetch.json", "output file")
	flag.Parse()
	if err := run(*dev, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sigfetch:", err)
		os.Exit(1)
	}
}

func run(dev, out string) error {
	ctx := context.Background()
	prov := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"rate":0.92}`))
			return
		}
		http.Error(w, "nope", http.StatusNotFound)
	})}
	pl, err := net.Listen("tcp", "127.0.0.1:12301")
	if err != nil {
		return err
	}
	go func() { _ = prov.Serve(pl) }()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "rec", Mode: inngest.ModeDev, DevServerURL: dev, APIBaseURL: dev, EventAPIBaseURL: dev,
		Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	if err != nil {
		return err
	}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "sigfetch", Retries: inngest.NoRetries}, inngest.OnEvent(begin),
		func(ctx context.Context, in inngest.Input[started]) (string, error) {
			_, _ = step.Fetch(ctx, "fetch-ok", step.FetchRequest{URL: "http://127.0.0.1:12301/ok"})
			_, _ = step.Fetch(ctx, "fetch-404", step.FetchRequest{URL: "http://127.0.0.1:12301/missing"})
			_, _ = step.Fetch(ctx, "fetch-down", step.FetchRequest{URL: "http://127.0.0.1:12399/down"})
			sig, ok, err := step.WaitForSignal[map[string]any](ctx, "wait-signal", "rec-signal-"+in.Event.Data.Key, time.Minute)
			if err != nil {
				return "", err
			}
			_, ok2, err := step.WaitForSignal[map[string]any](ctx, "wait-timeout", "rec-never-"+in.Event.Data.Key, 3*time.Second)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%v %v %v", ok, sig.Data["approved"], ok2), nil
		})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var last []byte
	h, err := serve.New(c, serve.Options{}, fn)
	if err != nil {
		return err
	}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			last = b
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		h.ServeHTTP(w, r)
	})}
	al, err := net.Listen("tcp", "127.0.0.1:12300")
	if err != nil {
		return err
	}
	app.SetKeepAlivesEnabled(false)
	go func() { _ = app.Serve(al) }()
	if err := h.Register(ctx, "http://127.0.0.1:12300/api/inngest"); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	key := fmt.Sprint(time.Now().UnixNano())
	_, err = c.Send(ctx, begin.New(started{Key: key}))
	if err != nil {
		return err
	}
	rec := Recording{}
	// Send the signal until a run waits for it.
	for i := 0; ; i++ {
		a, err := post(dev+"/v1/signals", fmt.Sprintf(`{"signal":"rec-signal-%s","data":{"approved":true}}`, key))
		if err != nil {
			return err
		}
		if a.Status == 200 {
			rec.SignalOK = a
			break
		}
		if i == 0 || rec.SignalNone.Status == 0 {
			rec.SignalNone = a
		}
		if i > 300 {
			return fmt.Errorf("no run waited for the signal: %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Wait for the run to finish.
	var sig struct {
		Data struct {
			RunID string `json:"run_id"`
		} `json:"data"`
	}
	_ = jsoncodec.Unmarshal(rec.SignalOK.Body, &sig)
	for i := 0; ; i++ {
		resp, err := http.Get(fmt.Sprintf("%s/v1/runs/%s?nc=%d", dev, sig.Data.RunID, time.Now().UnixNano()))
		if err != nil {
			return err
		}
		var run struct {
			Data struct {
				Status string          `json:"status"`
				Output json.RawMessage `json:"output"`
			} `json:"data"`
		}
		_ = jsoncodec.NewDecoder(resp.Body).Decode(&run)
		resp.Body.Close()
		if run.Data.Status == "Completed" {
			rec.Output = run.Data.Output
			break
		}
		if run.Data.Status == "Failed" || i > 600 {
			return fmt.Errorf("the run did not complete: %s %s", run.Data.Status, run.Data.Output)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	var call struct {
		Steps map[string]json.RawMessage `json:"steps"`
	}
	_ = jsoncodec.Unmarshal(last, &call)
	mu.Unlock()
	rec.Memos = map[string]json.RawMessage{}
	for _, name := range []string{"fetch-ok", "fetch-404", "fetch-down", "wait-signal", "wait-timeout"} {
		rec.Memos[name] = call.Steps[wire.HashID(name, 0)]
	}
	b, _ := jsoncodec.MarshalIndent(rec, "", "  ")
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

func post(url, body string) (Answer, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Body: bytes.TrimSpace(b)}, nil
}
