package inngest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
)

// Sentinel errors of the REST API. An *APIError matches the one of its status
// with errors.Is.
var (
	// ErrUnauthorized: the API answered 401 (neither signing key was accepted).
	ErrUnauthorized = errors.New("inngest: unauthorized")
	// ErrNotFound: the API answered 404.
	ErrNotFound = errors.New("inngest: not found")
	// ErrRateLimited: the API answered 429.
	ErrRateLimited = errors.New("inngest: rate limited")
	// ErrNoSignalWait: SendSignal found no run waiting for the signal.
	ErrNoSignalWait = errors.New("inngest: no run waits for this signal")
)

// APIError is a non-2xx answer of the Inngest REST API. Test for it with
// errors.As, or for its kind with errors.Is (ErrUnauthorized, ErrNotFound,
// ErrRateLimited).
type APIError struct {
	// Method and Path name the request.
	Method, Path string
	// Status is the HTTP status code.
	Status int
	// Message is the server's error message (its "error" field; for the
	// REST API v2, the first entry's "message" of its "errors"), or the body.
	Message string
	// Code is the REST API v2's error code (the first entry's "code" of
	// its {"errors": [{"code", "message"}]} envelope: "not_found",
	// "invalid_request", "missing_field", ...); empty for v1 answers.
	Code string
}

// Error describes the answer.
func (e *APIError) Error() string {
	return fmt.Sprintf("inngest: %s %s answered %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// Is matches the sentinel of e's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// NewAPIError builds the APIError of a non-2xx answer with body raw. It is
// exported for the management client (package api); applications receive
// APIErrors, they do not build them.
func NewAPIError(method, path string, status int, raw []byte) *APIError {
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Errors  []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	_ = jsoncodec.Unmarshal(raw, &body)
	var code string
	msg := body.Error
	if msg == "" {
		msg = body.Message
	}
	if msg == "" && len(body.Errors) > 0 {
		code, msg = body.Errors[0].Code, body.Errors[0].Message
	}
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
	}
	return &APIError{Method: method, Path: path, Status: status, Message: msg, Code: code}
}

// apiCall sends a REST request with the client's keys and decodes the "data"
// of a 2xx answer into out (when not nil).
func (c *Client) apiCall(ctx context.Context, method, path string, body []byte, idempotent bool, out any) error {
	res, err := restapi.Do(ctx, &c.cfg, method, path, body, idempotent)
	if err != nil {
		return fmt.Errorf("inngest: %s %s: %w", method, path, err)
	}
	if res.Status/100 != 2 {
		return NewAPIError(method, path, res.Status, res.Body)
	}
	if out == nil {
		return nil
	}
	var env struct {
		Data any `json:"data"`
	}
	env.Data = out
	if err := jsoncodec.Unmarshal(res.Body, &env); err != nil {
		return fmt.Errorf("inngest: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}
