package engine

import (
	"net/http"
	"sync"

	"github.com/seed-b02f2472/inngest-go/engine/realtimehub"
)

// realtimeSlot holds the engine's realtime hub, made on first use.
type realtimeSlot struct {
	once sync.Once
	hub  *realtimehub.Hub
}

// Realtime returns the engine's realtime hub (engine/realtimehub): the broker
// behind /v1/realtime/*. It lives as long as the engine; publish and token
// requests need the signing key when Options.SigningKey is set, as every
// other API route does.
func (e *Engine) Realtime() *realtimehub.Hub {
	e.rt.once.Do(func() {
		e.rt.hub = realtimehub.New(e.ctx, realtimehub.Options{Authorized: e.authorized})
	})
	return e.rt.hub
}

func (e *Engine) realtimeHandler() http.Handler { return e.Realtime().Handler() }
