package engine

import (
	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// decodeCheck reproduces the checks the server's typed decoder makes: values
// that fail them are answered "Invalid request: …" before any function is
// looked at (§10.1). The rules are internal/rules', shared with the SDK.
func decodeCheck(req *wire.RegisterRequest) error {
	for _, f := range req.Functions {
		if err := rules.Decode(f); err != nil {
			return err
		}
	}
	return nil
}

// validateFunction returns every problem the server's per-function checks
// find (internal/rules, the copy the SDK's definition check uses too).
func validateFunction(f wire.Function) []string { return rules.Function(f) }
