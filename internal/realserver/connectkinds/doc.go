// Package connectkinds runs one function per kind of step (run, sleep, waits
// matched and timed out, send, invoke, parallel, fetch, signals, retries,
// onFailure, concurrency, throttle, rate limit, debounce, a step that needs
// its lease extended) through this module's Connect worker, with a tap
// between the worker and the gateway that records every frame. Run against
// a real dev server it writes testdata/connect/worker/kinds.json
// (TestRecordRealServer, realserver tag); TestEngineGatewayMatchesRecording
// runs the same fixture against the embedded engine's gateway
// (engine/connectgw) and compares the two with Diff.
package connectkinds
