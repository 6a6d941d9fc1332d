package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The state the engine's lock guards is reached only through a locked
// value: of the engine's own code, only held names Engine.state (the
// pointer every locked value carries) and only lock and unlock touch
// Engine.mu, so a method on *Engine cannot read or write guarded state
// without having taken the lock through lock. (New builds state as a
// composite literal, which this does not count.)
func TestGuardedStateOnlyThroughLocked(t *testing.T) {
	t.Parallel()
	allowed := map[string]string{"state": "held", "mu": "lock unlock"}
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || len(fd.Recv.List[0].Names) == 0 {
				continue
			}
			if !isEngineReceiver(fd.Recv.List[0].Type) {
				continue
			}
			checked++
			recv := fd.Recv.List[0].Names[0].Name
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok || id.Name != recv {
					return true
				}
				if fns, ok := allowed[sel.Sel.Name]; ok && !strings.Contains(" "+fns+" ", " "+fd.Name.Name+" ") {
					t.Errorf("%s: %s names %s.%s; reach the guarded state through lock (a locked value)", fset.Position(sel.Pos()), fd.Name.Name, recv, sel.Sel.Name)
				}
				return true
			})
		}
	}
	require.Greater(t, checked, 100, "the engine's methods were found")
}

// isEngineReceiver reports whether a receiver's type is *Engine or locked.
func isEngineReceiver(x ast.Expr) bool {
	if st, ok := x.(*ast.StarExpr); ok {
		x = st.X
	}
	id, ok := x.(*ast.Ident)
	return ok && (id.Name == "Engine" || id.Name == "locked")
}
