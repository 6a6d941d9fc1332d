// Package link lets this module's packages reach the state package inngest keeps
// unexported: a client's resolved configuration (signing keys, base URLs) and a
// function's definitions. Package inngest registers the accessors when it is
// initialised; package serve and inngest/api call them. Nothing outside this module
// can import an internal package, so nothing outside can read or change that state.
package link

import (
	"context"
	"fmt"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// The accessors are kept as any because this package cannot name inngest's types
// (inngest imports it); Register and the getters are generic, so both ends are typed
// and a mismatch is a programming error caught by the first test that serves a function.
var (
	config      any // func(C) exec.ClientConfig
	definitions any // func(F) []*exec.Function
)

// Register installs package inngest's accessors. It is called once, from inngest's
// init; a second call panics.
func Register[C, F any](cfg func(C) exec.ClientConfig, defs func(F) []*exec.Function) {
	if config != nil || definitions != nil {
		panic("inngest: link.Register called twice")
	}
	config, definitions = cfg, defs
}

// Config returns a copy of client's resolved configuration.
func Config[C any](client C) exec.ClientConfig {
	f, ok := config.(func(C) exec.ClientConfig)
	if !ok {
		panic(fmt.Sprintf("inngest: no configuration accessor for %T", client))
	}
	return f(client)
}

// Definitions returns what fn runs: the function, then its failure handler when it
// has one. The functions are shared with fn; callers only read them.
func Definitions[F any](fn F) []*exec.Function {
	f, ok := definitions.(func(F) []*exec.Function)
	if !ok {
		panic(fmt.Sprintf("inngest: no definitions accessor for %T", fn))
	}
	return f(fn)
}

// Transport is what a transport other than the HTTP handler (the Connect
// worker) uses of a serve.Server, so that a call runs through exactly the code
// an HTTP call runs through.
type Transport interface {
	// Prepare turns a call body into the call to execute, or returns nil and the
	// error answer (serve's prepare).
	Prepare(ctx context.Context, fnID, stepID string, body []byte, traceParent, traceState string) (*exec.Call, exec.Response)
	// Functions is the functions' sync configuration, called at appURL over runtime.
	Functions(runtime, appURL string) []wire.Function
	// Headers are the answer's X-Inngest-No-Retry and Retry-After.
	Headers(resp exec.Response) map[string]string
	// API sends a request to the Inngest API with the hashed signing key (and
	// the fallback key on 401).
	API(ctx context.Context, method, url string, body []byte, header http.Header) (*http.Response, []byte, error)
	// Config is the client's resolved configuration.
	Config() exec.ClientConfig
}

var transport any // func(S) Transport

// RegisterTransport installs package serve's accessor; called once from its init.
func RegisterTransport[S any](f func(S) Transport) {
	if transport != nil {
		panic("inngest: link.RegisterTransport called twice")
	}
	transport = f
}

// ServeTransport returns the Transport of a serve.Server.
func ServeTransport[S any](s S) Transport {
	f, ok := transport.(func(S) Transport)
	if !ok {
		panic(fmt.Sprintf("inngest: no transport accessor for %T", s))
	}
	return f(s)
}
