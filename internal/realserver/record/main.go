// Command record runs the scenarios of internal/realserver/scenarios against a real
// Inngest dev server that is already running, and writes what happened to
// testdata/realserver/<scenario>.json. It neither builds nor downloads the server,
// and no test or CI job runs it. See testdata/realserver/README.md.
//
//	go run ./internal/realserver/record -server http://127.0.0.1:8288 -app 127.0.0.1:3000
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
	"path/filepath"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/realserver/scenarios"
	"github.com/seed-b02f2472/inngest-go/serve"
)

func main() {
	server := flag.String("server", "", "the running dev server's origin, e.g. http://127.0.0.1:8288 (required)")
	app := flag.String("app", "127.0.0.1:3000", "host:port the scenario apps listen on")
	out := flag.String("out", "testdata/realserver", "directory the recordings are written to")
	only := flag.String("scenarios", "", "comma-separated scenario names (default: all)")
	commit := flag.String("commit", "253303cdff", "the server source's commit, stored in each recording")
	tick := flag.Int("tick", 50, "the --tick the dev server was started with, in ms, stored in each recording")
	flag.Parse()
	if *server == "" {
		flag.Usage()
		os.Exit(2)
	}
	var list []*scenarios.Scenario
	if *only == "" {
		list = scenarios.All()
	} else {
		for _, name := range strings.Split(*only, ",") {
			s := scenarios.Lookup(strings.TrimSpace(name))
			if s == nil {
				log.Fatalf("no scenario %q", name)
			}
			list = append(list, s)
		}
	}
	r := &recorder{server: strings.TrimRight(*server, "/"), app: *app, out: *out,
		meta: scenarios.Server{Kind: "inngest dev", Commit: *commit, TickMS: *tick}, mux: http.NewServeMux()}
	ln, err := net.Listen("tcp", *app)
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{Handler: r.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	failed := false
	for _, s := range list {
		if err := r.record(context.Background(), s); err != nil {
			log.Printf("%s: %v", s.Name, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

type recorder struct {
	server, app, out string
	meta             scenarios.Server
	mux              *http.ServeMux
}

// wallClock is the recorder's Runtime: work takes real time.
type wallClock struct{}

func (wallClock) Hold(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (wallClock) Now() time.Time { return time.Now() }

func (r *recorder) record(ctx context.Context, s *scenarios.Scenario) error {
	log.Printf("%s: %s", s.Name, s.About)
	if s.AlignMinute {
		now := time.Now()
		time.Sleep(now.Truncate(time.Minute).Add(time.Minute + 3*time.Second).Sub(now))
	}
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: s.AppID(), Mode: inngest.ModeDev, BaseURL: r.server})
	if err != nil {
		return err
	}
	obs := scenarios.NewObserver(wallClock{})
	fns, err := s.Build(client, wallClock{}, obs)
	if err != nil {
		return err
	}
	srv, err := serve.New(client, serve.Options{}, fns...)
	if err != nil {
		return err
	}
	path := "/api/" + s.Name
	r.mux.Handle(path, srv)
	if err := srv.Register(ctx, "http://"+r.app+path); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	time.Sleep(2 * time.Second) // let the server's trigger cache see the new functions

	rec := &scenarios.Recording{Scenario: s.Name, About: s.About, Server: r.meta}
	for _, f := range fns {
		rec.Functions = append(rec.Functions, scenarios.FunctionConfig{Slug: strings.TrimPrefix(f.(interface{ ID() string }).ID(), s.AppID()+"-"), Config: configOf(f)})
	}
	col := &scenarios.Collector{BaseURL: r.server, Scenario: s, Observer: obs, EventIDs: make([]string, len(s.Events))}
	rec.Events = make([]scenarios.SentEvent, len(s.Events))
	t0 := time.Now()
	col.T0 = t0
	for _, g := range s.Groups() {
		time.Sleep(time.Until(t0.Add(g.At)))
		sent := time.Since(t0)
		ids, err := s.Perform(ctx, client, r.server, g, col.EventIDs)
		if err != nil {
			return fmt.Errorf("send at %s: %w", g.At, err)
		}
		for k, i := range g.Indexes {
			data := s.DataJSON(i)
			rec.Events[i] = scenarios.SentEvent{Index: i, Name: s.Events[i].Name, Data: data, OffsetMS: sent.Milliseconds(), ID: ids[k]}
			col.EventIDs[i] = ids[k]
		}
	}
	horizon := t0.Add(s.Horizon())
	deadline := horizon.Add(90 * time.Second)
	for {
		time.Sleep(500 * time.Millisecond)
		runs, done, err := col.Collect(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		if (done && now.After(horizon)) || now.After(deadline) {
			if !done {
				log.Printf("%s: runs still not final at the deadline", s.Name)
			}
			rec.Runs = runs
			break
		}
	}
	rec.Sort()
	b, err := jsoncodec.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		return err
	}
	file := filepath.Join(r.out, s.Name+".json")
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return err
	}
	for _, run := range rec.Runs {
		log.Printf("  %-14s events %v listed %v %-9s start %6d end %6d %s", run.Function, run.Events, run.ListedUnder, run.Status, run.StartMS, run.EndMS, run.Output)
	}
	log.Printf("%s: wrote %s", s.Name, file)
	return nil
}

// configOf returns the function's configuration as synced.
func configOf(f inngest.ServableFunction) json.RawMessage {
	if c, ok := f.(interface{ Config() json.RawMessage }); ok {
		return c.Config()
	}
	return nil
}
