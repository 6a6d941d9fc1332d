package engine

import "github.com/seed-b02f2472/inngest-go/internal/expr"

// CompileWaitForTest compiles src as a waitForEvent "if" expression the way
// the engine does.
func CompileWaitForTest(src string) error {
	_, err := compileExpr(expr.Wait, src)
	return err
}

// ExprProgramsForTest returns how many compiled expressions the process keeps.
func ExprProgramsForTest() int {
	return expr.CachedPrograms()
}
