// Package scenarios holds the scripted scenarios recorded against the real Inngest
// server (by internal/realserver/record) and replayed against the embedded engine
// (by the engine's tests): the functions, written on this SDK, the events with their
// send offsets, the JSON schema of a recording, the code that reads a run API into a
// recording, and the comparison of two recordings.
//
// Both sides build the functions with the same Build code; only the Runtime differs
// (the recorder spends wall-clock time, the replay virtual time).
package scenarios
