// Package serve exposes an app's functions to Inngest as an http.Handler, usually
// mounted at /api/inngest. It answers the server's three requests: GET
// (introspection), PUT (sync: register the functions) and POST (call: run a function
// until its next step), verifying request signatures in cloud mode.
package serve
