package exec

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSDKGoroutineName: the name derived from sdkGoroutine is the one the runtime
// reports for its frame on a goroutine it started, onSDKGoroutine sees that
// goroutine and not another, and goroutine.go spells no import path (so a copy of
// the module under another path recognises its own goroutines: TestForkRunsSteps
// in the repository's fork check builds one).
func TestSDKGoroutineName(t *testing.T) {
	t.Parallel()
	require.True(t, strings.HasSuffix(sdkGoroutineName, "/internal/exec.sdkGoroutine"), sdkGoroutineName)

	type seen struct {
		frames []string
		on     bool
	}
	frames := func() []string {
		pcs := make([]uintptr, 64)
		n := runtime.Callers(1, pcs)
		var names []string
		it := runtime.CallersFrames(pcs[:n])
		for {
			f, more := it.Next()
			names = append(names, f.Function)
			if !more {
				return names
			}
		}
	}
	got := make(chan seen, 2)
	go sdkGoroutine(func() { got <- seen{frames(), onSDKGoroutine()} })
	sdk := <-got
	go func() { got <- seen{frames(), onSDKGoroutine()} }()
	plain := <-got

	require.True(t, sdk.on, "an SDK goroutine is recognised")
	require.Contains(t, sdk.frames, sdkGoroutineName, "the runtime reports the derived name")
	require.False(t, plain.on, "a plain goroutine is not")
	require.NotContains(t, plain.frames, sdkGoroutineName)

	src, err := os.ReadFile("goroutine.go")
	require.NoError(t, err)
	mod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	path := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(mod), "\n", 2)[0], "module"))
	require.NotEmpty(t, path)
	require.NotContains(t, string(src), path, "goroutine.go names no import path")
}
