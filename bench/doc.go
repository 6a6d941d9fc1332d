// Package bench holds the SDK's performance benchmarks, all in one place so that
// `make bench` shows them together. It has no non-test code; see README.md for the
// results on the reference machine, how to reproduce them and what they mean.
//
// The benchmarks:
//
//   - BenchmarkCall/memoized=K: one call of a function of K+1 sequential step.Run
//     calls (each returning a ~1 KB struct) with K steps memoized, through the
//     serve handler in dev mode with checkpointing off, answering 206.
//   - BenchmarkCallFloor/memoized=K: what a hand-written encoding/json program does
//     with the same body (envelope with raw steps, then each step payload into the
//     struct).
//   - BenchmarkCallFloorSDKCodec/memoized=K: the same program with the SDK's codec
//     (internal/jsoncodec), so that the SDK's own cost is measured apart from the
//     choice of codec.
//   - BenchmarkCallSigned/memoized=100: BenchmarkCall in cloud mode with a valid
//     signature.
//   - BenchmarkParallel/branches=N: N parallel step.Run branches, planned (206)
//     and fully memoized (200).
//   - BenchmarkSend/events=N: Client.Send of N events to a loopback event API.
//   - BenchmarkEventDecode: the function input event decoded with and without
//     JSON schema validation.
//   - BenchmarkRun/steps=N: a whole N-step run on the embedded engine, with
//     checkpointing on and off.
package bench
