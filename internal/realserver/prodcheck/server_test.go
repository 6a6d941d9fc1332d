//go:build realserver

package prodcheck

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// server is one real server process.
type server struct {
	cmd *exec.Cmd
	log *os.File
}

// launcher starts and stops the real server with the same flags each time.
type launcher struct {
	t    *testing.T
	bin  string
	args []string // after the subcommand's own --host/--port
	home string
	port int
	base string
	key  string // the run API's bearer key; "" on the dev server
}

// start runs the server and waits for /health.
func (l *launcher) start() *server {
	t := l.t
	logf, err := os.OpenFile(filepath.Join(l.home, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	cmd := exec.Command(l.bin, l.args...)
	cmd.Env = append(os.Environ(), "HOME="+l.home, "DO_NOT_TRACK=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		resp, err := http.Get(l.base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "the server did not answer /health (see %s)", logf.Name())
	return &server{cmd: cmd, log: logf}
}

// stop signals the server and waits for it to exit (SIGKILL after 60 s).
func (l *launcher) stop(s *server, sig syscall.Signal) time.Duration {
	t0 := time.Now()
	require.NoError(l.t, s.cmd.Process.Signal(sig))
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	_ = s.log.Close()
	return time.Since(t0)
}

// runOf reads the first run of an event through the run API.
func (l *launcher) runOf(eventID string) (status, output string) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/events/%s/runs?nc=%d", l.base, eventID, time.Now().UnixNano()), nil)
	if l.key != "" {
		req.Header.Set("Authorization", "Bearer "+l.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", ""
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil || len(out.Data) == 0 {
		return "", ""
	}
	return out.Data[0].Status, string(out.Data[0].Output)
}

// finished reports whether a run API status is final and has its output.
func finished(status, output string) bool {
	return status != "" && status != "Running" && status != "Queued" && output != ""
}
