package inngest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// SendSignal sends the signal named name with data (encoded as JSON; nil
// sends null) to the run waiting for it in step.WaitForSignal, through the
// server's POST /v1/signals, and returns that run's ID. When no run waits for
// the signal the error matches ErrNoSignalWait (and ErrNotFound) with
// errors.Is; other non-2xx answers are *APIError. The request is not retried:
// a signal is delivered at most once.
func (c *Client) SendSignal(ctx context.Context, name string, data any) (string, error) {
	if name == "" {
		return "", errors.New("inngest: signal name is empty")
	}
	raw, err := jsoncodec.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("inngest: encoding the data of signal %q: %w", name, err)
	}
	body, err := jsoncodec.Marshal(wire.SignalRequest{Signal: name, Data: raw})
	if err != nil {
		return "", fmt.Errorf("inngest: encoding signal %q: %w", name, err)
	}
	var out wire.SignalResponse
	err = c.apiCall(ctx, http.MethodPost, "/v1/signals", body, false, &out)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return "", fmt.Errorf("%w: %q: %w", ErrNoSignalWait, name, ae)
	}
	if err != nil {
		return "", err
	}
	return out.RunID, nil
}
