// Package interop holds the interoperability suite: functions written on the
// official JavaScript SDK (npm package inngest, pinned in js/package.json)
// run against the embedded engine. The suite is in this package's tests; it
// needs Node.js (20 or later) and the package installed with
// `npm ci --prefix interop/js` (`make test` and `.ci/run` do that).
package interop
