package exec

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

type seedKey struct{}

// WithEventIDSeed returns ctx (a step's context) carrying the
// X-Inngest-Event-Id-Seed for the events the step sends, derived from the run and
// the step (see EventIDSeed). Outside a step it returns ctx unchanged.
func WithEventIDSeed(ctx context.Context) context.Context {
	f := frameFrom(ctx)
	if f == nil || f.stepHash == "" {
		return ctx
	}
	return context.WithValue(ctx, seedKey{}, eventIDSeed(f.run.call.Req, f.stepHash))
}

// EventIDSeed returns the seed set by WithEventIDSeed, if any.
func EventIDSeed(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(seedKey{}).(string)
	return s, ok
}

// eventIDSeed is "<ms>,<base64 of 10 bytes>" where the bytes are the first ten of
// SHA-256(run id, 0, hashed step id) and ms the run id's ULID time (else the
// triggering event's ts, else 0): every attempt of a step sends the same event ids,
// so the server drops the copies a retry would send.
func eventIDSeed(req *wire.CallRequest, stepHash string) string {
	h := sha256.New()
	h.Write([]byte(req.Ctx.RunID))
	h.Write([]byte{0})
	h.Write([]byte(stepHash))
	sum := h.Sum(nil)
	var ms int64
	if t, err := wire.ULIDTime(req.Ctx.RunID); err == nil {
		ms = t.UnixMilli()
	} else {
		var ev struct {
			TS int64 `json:"ts"`
		}
		if jsoncodec.Unmarshal(req.Event, &ev) == nil && ev.TS > 0 && ev.TS < 1<<48 {
			ms = ev.TS
		}
	}
	out := strconv.AppendInt(nil, ms, 10)
	out = append(out, ',')
	return string(base64.StdEncoding.AppendEncode(out, sum[:wire.EventIDSeedEntropySize]))
}
