//go:build unix

package sqlitestore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile opens (creating) the lock file and takes an exclusive,
// non-blocking flock on it; the lock lasts until the file is closed (or the
// process dies, so a killed engine never leaves a stale lock).
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
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
