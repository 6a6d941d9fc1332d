package exec

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind: a function
// goroutine or Parallel branch that never ended, a batch-interval timer's flush.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
