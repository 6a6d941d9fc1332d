// Package flow holds the flow-control building blocks of the embedded
// Inngest engine: concurrency limits, throttling, rate limiting,
// idempotency, debouncing, event batching, singleton runs and start/finish
// timeouts.
//
// Every type is in memory and safe for concurrent use (each guards its
// state with a sync.Mutex). None of them starts goroutines, sets timers or
// reads the wall clock: the caller passes the current time explicitly as a
// now argument, so the engine can drive them from a virtual clock in tests.
// Entries whose time has passed are pruned as later calls move time
// forward, keeping memory proportional to the keys that are still live.
//
// Keys are already-evaluated strings (the engine evaluates the CEL key
// expressions); the empty string is the function-wide key.
//
// Constructors named New… accept any input and clamp or disable values
// that make no sense, as documented on each. The server's registration
// rules (the bounds of a period, a batch size, …) are not here: they are
// checked once, when a function is defined or synced, by the module's
// internal rules package that the SDK and the engine share.
package flow
