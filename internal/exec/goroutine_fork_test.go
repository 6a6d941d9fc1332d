package exec

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// forkPath is the module path of the copy TestForkRecognisesItsGoroutines builds.
const forkPath = "example.org/forked/inngestsdk"

// TestForkRecognisesItsGoroutines copies this package and the module's packages
// its tests need into a temporary module named forkPath, rewriting the import
// declarations only (as a fork or a renamed copy would: string literals are left
// alone), and runs there the tests that start steps on SDK goroutines and from a
// stray one. With the function name spelled as a literal, every step in such a
// copy was refused as stray.
func TestForkRecognisesItsGoroutines(t *testing.T) {
	t.Parallel()
	// go test puts its own go command first on the test's PATH.
	goBin, err := osexec.LookPath("go")
	require.NoError(t, err, "the go command builds the copy")
	modFile, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	modPath := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(modFile), "\n", 2)[0], "module"))
	require.NotEmpty(t, modPath)

	list := osexec.Command(goBin, "list", "-deps", "-test", "-f", "{{if .Module}}{{if .Module.Main}}{{.ImportPath}}\t{{.Dir}}{{end}}{{end}}", ".")
	out, err := list.Output()
	require.NoError(t, err)
	dst := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dst, "go.mod"), bytes.Replace(modFile, []byte(modPath), []byte(forkPath), 1), 0o644))
	sum, err := os.ReadFile("../../go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dst, "go.sum"), sum, 0o644))
	var copied []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		imp, dir, ok := strings.Cut(line, "\t")
		if !ok || dir == "" || strings.Contains(imp, " ") || slices.Contains(copied, imp) {
			continue // test variants ("p [p.test]") and the test main have no files of their own
		}
		copied = append(copied, imp)
		to := filepath.Join(dst, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(imp, modPath), "/")))
		require.NoError(t, os.MkdirAll(to, 0o755))
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".go") {
				continue
			}
			src, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), rewriteImports(t, src, modPath, forkPath), 0o644))
		}
	}
	require.Contains(t, copied, modPath+"/internal/exec")

	test := osexec.Command(goBin, "test", "-count=1", "-v", "-run", "^(TestSDKGoroutineName|TestDecideFromStrayGoroutine)$", "./internal/exec/")
	test.Dir = dst
	test.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	got, err := test.CombinedOutput()
	require.NoError(t, err, "%s", got)
	require.Contains(t, string(got), "--- PASS: TestSDKGoroutineName")
	require.Contains(t, string(got), "ok  \t"+forkPath+"/internal/exec")
}

// rewriteImports replaces the module path from with to in the import
// declarations of a Go file, and nowhere else.
func rewriteImports(t *testing.T, src []byte, from, to string) []byte {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	require.NoError(t, err)
	var out bytes.Buffer
	last := 0
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		if p != from && !strings.HasPrefix(p, from+"/") {
			continue
		}
		start, end := fset.Position(imp.Path.Pos()).Offset, fset.Position(imp.Path.End()).Offset
		out.Write(src[last:start])
		out.WriteString(strconv.Quote(to + strings.TrimPrefix(p, from)))
		last = end
	}
	out.Write(src[last:])
	return out.Bytes()
}
