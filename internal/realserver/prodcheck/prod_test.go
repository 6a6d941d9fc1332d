//go:build realserver

package prodcheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Round is the data of the events: which restart round the run belongs to.
type Round struct {
	Round string `json:"round"`
}

var (
	sleepEv = events.Define[Round]("prod/run.slept")
	workEv  = events.Define[Round]("prod/run.worked")
)

// counts counts step executions by round and step.
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) add(round, step string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[round+"/"+step]++
}

func (c *counts) get(round, step string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[round+"/"+step]
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Observation is what one restart round showed.
type Observation struct {
	Round            string         `json:"round"`
	Signal           string         `json:"signal"`
	StopTook         string         `json:"stop_took"`
	Down             string         `json:"down"`
	SleeperStatus    string         `json:"sleeper_status"`
	SleeperOutput    string         `json:"sleeper_output"`
	WorkerStatus     string         `json:"worker_status"`
	WorkerOutput     string         `json:"worker_output"`
	StepExecutions   map[string]int `json:"step_executions"`
	SleeperDoneAfter string         `json:"sleeper_done_after_restart"`
	WorkerDoneAfter  string         `json:"worker_done_after_restart"`
}

// TestProductionRestarts starts `inngest start` on Postgres and Redis,
// serves an app in cloud mode (signed requests), syncs it with an unsigned
// PUT as README says, and for each of SIGTERM and SIGKILL restarts the
// server while one run sleeps (a 20 s step.Sleep) and another is inside a
// 12 s step.Run; it records when and how both runs finished and how many
// times each step ran to testdata/realserver/production-restarts.json.
//
//	PROD_POSTGRES_URI=postgres://postgres@127.0.0.1:9175/inngest?sslmode=disable \
//	PROD_REDIS_URI=redis://127.0.0.1:9176 \
//	go test -tags realserver -run TestProductionRestarts -v -timeout 20m ./internal/realserver/prodcheck/
//
// INNGEST_BIN (default /work/rs/bin/inngest) is the server; PROD_PORT
// (default 9170) its API port, the next three its Connect ports, the
// fourth the app's.
func TestProductionRestarts(t *testing.T) {
	bin := env("INNGEST_BIN", "/work/rs/bin/inngest")
	pg, rd := os.Getenv("PROD_POSTGRES_URI"), os.Getenv("PROD_REDIS_URI")
	if pg == "" || rd == "" {
		t.Fatal("set PROD_POSTGRES_URI and PROD_REDIS_URI (see the doc comment)")
	}
	var port int
	_, err := fmt.Sscan(env("PROD_PORT", "9170"), &port)
	require.NoError(t, err)
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	key := hex.EncodeToString(kb)
	eventKey := hex.EncodeToString(kb[:16])
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	l := &launcher{t: t, bin: bin, home: t.TempDir(), port: port, base: base, key: key,
		args: []string{"start", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
			"--signing-key", key, "--event-key", eventKey, "--postgres-uri", pg, "--redis-uri", rd,
			"--connect-gateway-port", fmt.Sprint(port + 1), "--connect-gateway-grpc-port", fmt.Sprint(port + 2),
			"--connect-executor-grpc-port", fmt.Sprint(port + 3), "--tick", "50"}}
	start, stop := l.start, l.stop

	srv := start()
	t.Cleanup(func() {
		if srv.cmd.ProcessState == nil {
			stop(srv, syscall.SIGTERM)
		}
	})

	// The app, in cloud mode, as README's table configures it.
	appAddr := fmt.Sprintf("127.0.0.1:%d", port+4)
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "prodcheck", Mode: inngest.ModeCloud,
		SigningKey: "signkey-prod-" + key, EventKey: eventKey, BaseURL: base, ServeOrigin: "http://" + appAddr})
	require.NoError(t, err)
	c := &counts{n: map[string]int{}}
	started := make(chan string, 8) // rounds whose long step began
	sleeper, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "sleeper"}, inngest.OnEvent(sleepEv),
		func(ctx context.Context, in inngest.Input[Round]) (string, error) {
			r := in.Event.Data.Round
			if _, err := step.Run(ctx, "before", func(context.Context) (int, error) { c.add(r, "sleeper.before"); return 1, nil }); err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", 20*time.Second); err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(context.Context) (string, error) {
				c.add(r, "sleeper.after")
				return "slept " + r, nil
			})
		})
	require.NoError(t, err)
	worker, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "worker"}, inngest.OnEvent(workEv),
		func(ctx context.Context, in inngest.Input[Round]) (string, error) {
			r := in.Event.Data.Round
			if _, err := step.Run(ctx, "first", func(context.Context) (int, error) { c.add(r, "worker.first"); return 1, nil }); err != nil {
				return "", err
			}
			return step.Run(ctx, "long", func(ctx context.Context) (string, error) {
				c.add(r, "worker.long")
				if c.get(r, "worker.long") == 1 {
					started <- r
				}
				select {
				case <-time.After(12 * time.Second):
				case <-ctx.Done():
					return "", ctx.Err()
				}
				return "worked " + r, nil
			})
		})
	require.NoError(t, err)
	h, err := serve.New(client, serve.Options{}, sleeper, worker)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/api/inngest", h)
	ln, err := net.Listen("tcp", appAddr)
	require.NoError(t, err)
	app := &http.Server{Handler: mux}
	go func() { _ = app.Serve(ln) }()
	t.Cleanup(func() { _ = app.Close() })

	// Sync as README says: an unsigned PUT to the app.
	req, _ := http.NewRequest(http.MethodPut, "http://"+appAddr+"/api/inngest", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	t.Logf("sync: %s", body)

	runOf := l.runOf

	var obs []Observation
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		round := strings.ToLower(sig.String())
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		ids, err := client.Send(ctx, sleepEv.New(Round{Round: round}), workEv.New(Round{Round: round}))
		require.NoError(t, err)
		select {
		case r := <-started:
			require.Equal(t, round, r)
		case <-ctx.Done():
			t.Fatalf("round %s: the long step never began", round)
		}
		require.Eventually(t, func() bool { return c.get(round, "sleeper.before") == 1 }, time.Minute, 100*time.Millisecond)
		time.Sleep(2 * time.Second) // the sleep is scheduled, the long step is 2 s in
		o := Observation{Round: round, Signal: sig.String()}
		o.StopTook = stop(srv, sig).Round(time.Millisecond).String()
		time.Sleep(3 * time.Second)
		o.Down = "3s"
		srv = start()
		restarted := time.Now()
		var sleeperDone, workerDone time.Duration
		for ctx.Err() == nil && (sleeperDone == 0 || workerDone == 0) {
			if st, out := runOf(ids[0]); sleeperDone == 0 && st != "" && st != "Running" && st != "Queued" && out != "" {
				o.SleeperStatus, o.SleeperOutput, sleeperDone = st, out, time.Since(restarted)
			}
			if st, out := runOf(ids[1]); workerDone == 0 && st != "" && st != "Running" && st != "Queued" && out != "" {
				o.WorkerStatus, o.WorkerOutput, workerDone = st, out, time.Since(restarted)
			}
			time.Sleep(250 * time.Millisecond)
		}
		cancel()
		o.SleeperDoneAfter = sleeperDone.Round(100 * time.Millisecond).String()
		o.WorkerDoneAfter = workerDone.Round(100 * time.Millisecond).String()
		o.StepExecutions = map[string]int{}
		for _, s := range []string{"sleeper.before", "sleeper.after", "worker.first", "worker.long"} {
			o.StepExecutions[s] = c.get(round, s)
		}
		t.Logf("%+v", o)
		obs = append(obs, o)
	}
	b, err := json.MarshalIndent(map[string]any{
		"about":        "README's Going to production on inngest start with Postgres and Redis, the server restarted while one run sleeps (20 s) and another is 2 s into a 12 s step; recorded by internal/realserver/prodcheck TestProductionRestarts",
		"server":       "inngest start --postgres-uri --redis-uri --signing-key --event-key --tick 50 (" + env("REALSERVER_COMMIT", "source at /work/rs/src") + ")",
		"observations": obs,
	}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("../../../testdata/realserver/production-restarts.json", append(b, '\n'), 0o644))
	for _, o := range obs {
		require.Equal(t, "Completed", o.SleeperStatus, o.Round)
		require.Equal(t, "Completed", o.WorkerStatus, o.Round)
	}
}
