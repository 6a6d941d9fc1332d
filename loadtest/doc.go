// Package loadtest holds the load test of the serve handler and the engine's
// event API. It has no code outside tests; the test is behind the build tag
// "load" (see README.md).
package loadtest
