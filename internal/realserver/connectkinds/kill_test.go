//go:build realserver

package connectkinds

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// The worker processes of TestRealServerWorkerKilled are this test binary
// started again with these variables set (see TestMain).
const (
	envWorker = "CONNECTKINDS_WORKER" // the instance id
	envOrigin = "CONNECTKINDS_ORIGIN"
	envLog    = "CONNECTKINDS_LOG"  // the file each step execution is appended to
	envStep   = "CONNECTKINDS_STEP" // how long the long step runs
)

func TestMain(m *testing.M) {
	if id := os.Getenv(envWorker); id != "" {
		if err := workerProcess(id); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// appendLine appends one line to the shared log (O_APPEND: lines of the two
// processes do not interleave).
func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// workerProcess runs the killed-worker app on a Connect worker until killed.
func workerProcess(id string) error {
	logPath := os.Getenv(envLog)
	long, err := time.ParseDuration(os.Getenv(envStep))
	if err != nil {
		return err
	}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-kill", Mode: inngest.ModeDev, DevServerURL: os.Getenv(envOrigin)})
	if err != nil {
		return err
	}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent(def("kill")),
		func(ctx context.Context, in inngest.Input[Data]) (map[string]string, error) {
			longOn, err := step.Run(ctx, "long", func(ctx context.Context) (string, error) {
				if err := appendLine(logPath, "long "+id); err != nil {
					return "", err
				}
				time.Sleep(long)
				return id, nil
			})
			if err != nil {
				return nil, err
			}
			afterOn, err := step.Run(ctx, "after", func(ctx context.Context) (string, error) {
				return id, appendLine(logPath, "after "+id)
			})
			return map[string]string{"long_on": longOn, "after_on": afterOn}, err
		})
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	w, err := connect.New(c, connect.Options{InstanceID: id, Logger: logger, OnReady: func(ready bool) {
		if ready {
			_ = appendLine(logPath, "ready "+id)
		}
	}}, fn)
	if err != nil {
		return err
	}
	return w.Run(context.Background())
}

// TestRealServerWorkerKilled starts two worker processes on a real dev
// server, sends an event, kills (SIGKILL) the worker that runs the long
// step, and requires the run to complete on the other; it logs how long that
// took and how often each step ran:
//
//	REALSERVER_URL=http://127.0.0.1:9160 go test -tags realserver -run TestRealServerWorkerKilled -v ./internal/realserver/connectkinds/
func TestRealServerWorkerKilled(t *testing.T) {
	server := os.Getenv("REALSERVER_URL")
	require.NotEmpty(t, server, "set REALSERVER_URL to a running inngest dev server")
	logPath := filepath.Join(t.TempDir(), "steps.log")
	require.NoError(t, os.WriteFile(logPath, nil, 0o644))
	longStep := 10 * time.Second

	procs := map[string]*exec.Cmd{}
	var mu sync.Mutex
	for _, id := range []string{"kill-a", "kill-b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envWorker+"="+id, envOrigin+"="+server, envLog+"="+logPath, envStep+"="+longStep.String())
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		require.NoError(t, cmd.Start())
		procs[id] = cmd
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	lines := func() []string {
		b, err := os.ReadFile(logPath)
		require.NoError(t, err)
		var out []string
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		return out
	}
	count := func(prefix string) int {
		n := 0
		for _, l := range lines() {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return count("ready ") >= 2 }, 30*time.Second, 50*time.Millisecond, "workers not ready")
	time.Sleep(1500 * time.Millisecond) // the gateway marks a connection ready a moment after it says so

	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "connect-kill-driver", Mode: inngest.ModeDev, DevServerURL: server})
	require.NoError(t, err)
	ids, err := c.Send(context.Background(), def("kill").New(Data{N: 1}))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return count("long ") == 1 }, 30*time.Second, 20*time.Millisecond, "no worker started the long step")
	var victim string
	for _, l := range lines() {
		if strings.HasPrefix(l, "long ") {
			victim = strings.TrimPrefix(l, "long ")
		}
	}
	survivor := map[string]string{"kill-a": "kill-b", "kill-b": "kill-a"}[victim]
	time.Sleep(2 * time.Second) // mid-step
	mu.Lock()
	require.NoError(t, procs[victim].Process.Kill()) // SIGKILL
	_ = procs[victim].Wait()
	mu.Unlock()
	killed := time.Now()

	var restarted time.Duration
	d := &driver{cfg: Config{Origin: server, Bound: 5 * time.Minute}, http: httpClient()}
	go func() {
		for count("long ") < 2 && time.Since(killed) < 5*time.Minute {
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		restarted = time.Since(killed)
		mu.Unlock()
	}()
	runs, err := d.wait(context.Background(), ids, 1, "Completed")
	require.NoError(t, err)
	completed := time.Since(killed)
	mu.Lock()
	again := restarted
	mu.Unlock()
	t.Logf("killed %s (SIGKILL) 2s into its %s step; the step started again on %s %s after the kill; run completed %s after the kill; output %s; step log %v",
		victim, longStep, survivor, again.Round(100*time.Millisecond), completed.Round(100*time.Millisecond), runs[0].Output, lines())
	require.JSONEq(t, fmt.Sprintf(`{"long_on":%q,"after_on":%q}`, survivor, survivor), string(runs[0].Output))
	require.Equal(t, 2, count("long "), "the long step: once on each worker")
	require.Equal(t, 1, count("after "))
}
