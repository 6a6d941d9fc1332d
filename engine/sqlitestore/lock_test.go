//go:build unix

package sqlitestore_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

// A store closed and opened again while another goroutine starts processes
// opens: a child forked before the close holds a copy of the lock file's
// descriptor (so the lock) until it execs, and Open waits that out instead
// of reporting ErrLocked.
func TestReopenWhileTheProcessStartsCommands(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "engine.db")
	command, err := exec.LookPath("true")
	require.NoError(t, err)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = exec.Command(command).Run()
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()
	for i := range 100 {
		st, err := sqlitestore.Open(path)
		require.NoError(t, err, "open %d", i)
		require.NoError(t, st.Close())
	}
}
