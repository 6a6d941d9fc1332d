package jsonapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/events"
)

// Sender sends events; *inngest.Client implements it.
type Sender interface {
	Send(ctx context.Context, evs ...events.Sendable) ([]string, error)
}

// Accepted is the body of a 202 reply: the work continues in the
// background, in the runs these events start.
type Accepted struct {
	EventIDs []string `json:"event_ids"`
}

// Decode reads a JSON body (at most 1 MB) into v.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

// Write replies with status and v as JSON.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error replies {"error": msg}.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, map[string]string{"error": msg})
}

// ErrBadRequest marks validation errors.
var ErrBadRequest = errors.New("bad request")
