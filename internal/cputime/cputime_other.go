//go:build !unix

package cputime

import "time"

// Process is unavailable on this platform: it returns 0, so CPU figures read 0.
func Process() time.Duration { return 0 }
