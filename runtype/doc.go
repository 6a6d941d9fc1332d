// Package runtype holds the types that describe a function run: its Status, the
// Run snapshot with its Steps, History and pending waits, and the run's and the
// steps' errors. The embedded engine's read API (engine.Engine.Run, Runs, WaitForRun,
// ...), its web UI and the test kit (package inngesttest) all hand out these types, so
// a run reads the same wherever it comes from.
//
// It is a leaf package: it imports nothing of this module, so any package can
// import it without pulling in the engine.
package runtype
