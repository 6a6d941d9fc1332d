//go:build unix

package sqlitestore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockWait is how long lockFile waits for a held lock before reporting
// ErrLocked. A lock outlives its Store's Close for as long as a child process
// that another goroutine forked meanwhile has not yet exec'd (the child holds
// a copy of every descriptor until then, the lock file's included): reopening
// a file right after closing it, while the process starts commands, must wait
// that out rather than fail.
const lockWait = 500 * time.Millisecond

// lockFile opens (creating) the lock file and takes an exclusive,
// non-blocking flock on it; the lock lasts until the file is closed (or the
// process dies, so a killed engine never leaves a stale lock). A held lock is
// retried for lockWait.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open lock file: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	pause := time.Millisecond
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			break
		}
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
	if err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked (one engine per file; open it with Options.ReadOnly to inspect it)", ErrLocked, path)
		}
		return nil, fmt.Errorf("inngest: sqlitestore: lock %s: %w", path, err)
	}
	return f, nil
}
