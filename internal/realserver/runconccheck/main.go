// Command runconccheck records how the real dev server enforces a run-level
// (fn) concurrency limit: a function with RunConcurrency{Limit: 1} whose runs
// sleep 2 s is sent three events; each run's first call and end are timed in
// the app. It writes testdata/realserver/run-concurrency.json, which
// TestRunConcurrencyAsRecorded replays on the engine.
//
//	go run ./internal/realserver/runconccheck -dev http://127.0.0.1:9110 -listen 127.0.0.1:9111 -out testdata/realserver/run-concurrency.json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type job struct {
	N int `json:"n"`
}

var evJob = events.Define[job]("runconc/job.started")

// Run is one recorded run: when its first call and its last call arrived,
// in milliseconds after the first event was sent.
type Run struct {
	N       int   `json:"n"`
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
}

// Recording is the file's content.
type Recording struct {
	Server     string `json:"server"`
	Limit      int    `json:"limit"`
	SleepMS    int64  `json:"sleep_ms"`
	Events     int    `json:"events"`
	Runs       []Run  `json:"runs"`
	MaxOverlap int    `json:"max_overlap"`
	Note       string `json:"note"`
}

func main() {
	dev := flag.String("dev", "http://127.0.0.1:9110", "dev server URL")
	listen := flag.String("listen", "127.0.0.1:9111", "app address")
	out := flag.String("out", "testdata/realserver/run-concurrency.json", "output file")
	flag.Parse()

	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "runconc", Mode: inngest.ModeDev, APIBaseURL: *dev, EventAPIBaseURL: *dev})
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	var t0 time.Time
	first := map[string]int64{}
	last := map[string]int64{}
	ns := map[string]int{}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "one-at-a-time", RunConcurrency: &inngest.RunConcurrency{Limit: 1}},
		inngest.OnEvent(evJob), func(ctx context.Context, in inngest.Input[job]) (int, error) {
			mu.Lock()
			now := time.Since(t0).Milliseconds()
			if _, ok := first[in.RunID]; !ok {
				first[in.RunID] = now
				ns[in.RunID] = in.Event.Data.N
			}
			mu.Unlock()
			if err := step.Sleep(ctx, "nap", 2*time.Second); err != nil {
				return 0, err
			}
			mu.Lock()
			last[in.RunID] = time.Since(t0).Milliseconds()
			mu.Unlock()
			return in.Event.Data.N, nil
		})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = http.Serve(ln, serve.Handler(c, fn)) }()
	req, _ := http.NewRequest(http.MethodPut, "http://"+*listen+"/api/inngest", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		log.Fatalf("sync: %v %v", err, res)
	}
	time.Sleep(time.Second)
	mu.Lock()
	t0 = time.Now()
	mu.Unlock()
	const n = 3
	for i := 1; i <= n; i++ {
		if _, err := c.Send(context.Background(), evJob.New(job{N: i})); err != nil {
			log.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // a fixed order of the events
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := len(last)
		mu.Unlock()
		if done == n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	rec := Recording{Server: "inngest dev (built from the public source, /work/rs)", Limit: 1, SleepMS: 2000, Events: n,
		Note: "start_ms: the run's first call reached the app; end_ms: its last call (after the sleep) did"}
	for id, s := range first {
		rec.Runs = append(rec.Runs, Run{N: ns[id], StartMS: s, EndMS: last[id]})
	}
	sort.Slice(rec.Runs, func(i, j int) bool { return rec.Runs[i].StartMS < rec.Runs[j].StartMS })
	for _, a := range rec.Runs {
		o := 0
		for _, b := range rec.Runs {
			if b.StartMS <= a.StartMS && (b.EndMS == 0 || b.EndMS > a.StartMS) {
				o++
			}
		}
		rec.MaxOverlap = max(rec.MaxOverlap, o)
	}
	b, _ := json.MarshalIndent(rec, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
}
