// Package link lets this module's packages reach the state package inngest keeps
// unexported: a client's resolved configuration (signing keys, base URLs) and a
// function's definitions. Package inngest registers the accessors when it is
// initialised; package serve and inngest/api call them. Nothing outside this module
// can import an internal package, so nothing outside can read or change that state.
package link

import (
	"fmt"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
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
