//go:build !unix

package sqlitestore

import (
	"fmt"
	"os"
)

// lockFile creates the lock file; outside Unix the lock is not enforced.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: open lock file: %w", err)
	}
	return f, nil
}
