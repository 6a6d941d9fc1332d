// Package loadtest holds the load tests: TestLoadRuns runs functions of an app
// synced with the embedded engine over loopback HTTP; TestLoad measures the
// serve handler and the engine's event API alone. It has no code outside
// tests; the tests are behind the build tag "load" (see README.md).
package loadtest
