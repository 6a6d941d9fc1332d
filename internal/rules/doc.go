// Package rules is the one copy of the server's rules for a function
// definition and of the limits the step tools share. The SDK's definition
// check (inngest.NewFunction) and the embedded engine's sync (POST
// /fn/register) both apply it, so the two cannot drift apart.
//
// The facts come from the server's source: pkg/consts (the limits),
// pkg/inngest's Function.Validate and the validators it calls (the
// per-function checks), and the typed decoder of pkg/sdk (the values refused
// before any function is looked at). Where the SDK or the engine checks more
// or less than this package, the caller says why next to the check.
package rules
