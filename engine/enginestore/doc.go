// Package enginestore is the contract between the engine and its storage:
// the records the engine persists (apps, events, runs, pauses, timers and
// flow-control state) and the Store interface, with its optional
// extensions, that a store implements. engine/memstore (the default) and
// engine/sqlitestore implement it; engine/enginestore/storetest is the
// conformance suite both run.
package enginestore
