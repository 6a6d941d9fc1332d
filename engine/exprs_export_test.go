package engine

import "github.com/seed-b02f2472/inngest-go/internal/expr"

// CompileWaitForTest compiles src as a waitForEvent "if" expression the way
// the engine does.
func (e *Engine) CompileWaitForTest(src string) error {
	_, err := e.compileExpr(expr.Wait, src)
	return err
}

// ExprProgramsForTest returns how many compiled expressions the engine keeps.
func (e *Engine) ExprProgramsForTest() int { return e.exprs.Len() }
