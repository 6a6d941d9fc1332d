// Package api is a typed client for the Inngest REST API an application uses
// to manage its runs: get a run, list the runs an event started, cancel runs
// one by one or in bulk, send signals and read events.
//
// It authenticates as the SDK does (Bearer hashed signing key, the fallback
// key on 401), retries idempotent reads on 5xx answers and transport errors
// with exponential backoff, and returns *inngest.APIError for non-2xx answers
// (errors.Is with inngest.ErrUnauthorized, ErrNotFound, ErrRateLimited).
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// Client calls the REST API with an inngest.Client's configuration (API base
// URL, signing keys, environment, HTTP client).
type Client struct {
	c   *inngest.Client
	cfg exec.ClientConfig // a copy: the client's configuration never changes after NewClient
}

// New returns a management client for c.
func New(c *inngest.Client) *Client { return &Client{c: c, cfg: link.Config(c)} }

// Run is a function run as the REST API returns it (GET /v1/runs/{id}). It is
// the server's JSON shape, not runtype.Run: its FunctionID is the function's
// UUID and it carries no steps or history, which the API does not return; its
// Status and Error are the runtype types.
type Run struct {
	// ID is the run's ULID.
	ID string `json:"run_id"`
	// Status is the run's status, the type the engine's read API and the
	// test kit use too (runtype.StatusRunning, …), spelled as the server spells it.
	Status runtype.Status `json:"status"`
	// FunctionID is the function's internal ID (a UUID).
	FunctionID string `json:"function_id"`
	// EventID is the triggering event's ID; BatchID is set for batched runs.
	EventID string `json:"event_id"`
	BatchID string `json:"batch_id,omitempty"`
	// Cron is the cron expression of a scheduled run.
	Cron string `json:"cron,omitempty"`
	// StartedAt is when the run started; EndedAt when it finished (nil while
	// it runs).
	StartedAt time.Time  `json:"run_started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	// Output is the run's JSON result: the function's return for a
	// completed run, the error for a failed one.
	Output json.RawMessage `json:"output"`
}

// Done reports whether the run has finished.
func (r Run) Done() bool {
	return r.Status.Done()
}

// Error returns the run's error, read from its output (the runtype.RunError
// the engine's read API and the test kit hand out as Run.Error), or nil when
// it did not fail. NoRetry is not set: the REST API does not say.
func (r Run) Error() *runtype.RunError {
	if r.Status != runtype.StatusFailed || len(r.Output) == 0 {
		return nil
	}
	var out struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		Error   json.RawMessage
	}
	if jsoncodec.Unmarshal(r.Output, &out) != nil {
		return &runtype.RunError{Message: string(r.Output)}
	}
	if out.Name == "" && out.Message == "" && len(out.Error) > 0 {
		var inner struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		}
		if jsoncodec.Unmarshal(out.Error, &inner) == nil && (inner.Name != "" || inner.Message != "") {
			return &runtype.RunError{Name: inner.Name, Message: inner.Message}
		}
		var s string
		if jsoncodec.Unmarshal(out.Error, &s) == nil {
			return &runtype.RunError{Message: s}
		}
	}
	return &runtype.RunError{Name: out.Name, Message: out.Message}
}

// do sends a request and decodes the answer's "data" into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body any, idempotent bool, out any) error {
	var raw []byte
	if body != nil {
		b, err := jsoncodec.Marshal(body)
		if err != nil {
			return fmt.Errorf("inngest: %s %s: encoding the request: %w", method, path, err)
		}
		raw = b
	}
	res, err := restapi.Do(ctx, &c.cfg, method, path, raw, idempotent)
	if err != nil {
		return fmt.Errorf("inngest: %s %s: %w", method, path, err)
	}
	if res.Status/100 != 2 {
		return inngest.NewAPIError(method, path, res.Status, res.Body)
	}
	if out == nil || len(res.Body) == 0 {
		return nil
	}
	env := struct {
		Data any `json:"data"`
	}{Data: out}
	if err := jsoncodec.Unmarshal(res.Body, &env); err != nil {
		return fmt.Errorf("inngest: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

// GetRun returns one run (GET /v1/runs/{id}).
func (c *Client) GetRun(ctx context.Context, runID string) (Run, error) {
	var r Run
	err := c.do(ctx, http.MethodGet, "/v1/runs/"+url.PathEscape(runID), nil, true, &r)
	return r, err
}

// EventRuns lists the runs an event started (GET /v1/events/{id}/runs).
func (c *Client) EventRuns(ctx context.Context, eventID string) ([]Run, error) {
	var rs []Run
	err := c.do(ctx, http.MethodGet, "/v1/events/"+url.PathEscape(eventID)+"/runs", nil, true, &rs)
	return rs, err
}

// CancelRun cancels a run (DELETE /v1/runs/{id}); cancelling a finished run
// changes nothing and is not an error.
func (c *Client) CancelRun(ctx context.Context, runID string) error {
	return c.do(ctx, http.MethodDelete, "/v1/runs/"+url.PathEscape(runID), nil, true, nil)
}

// SendSignal resumes the run waiting for the signal (see
// inngest.Client.SendSignal) and returns its ID.
func (c *Client) SendSignal(ctx context.Context, name string, data any) (string, error) {
	return c.c.SendSignal(ctx, name, data)
}

// CancellationRequest selects the runs a bulk cancellation cancels: the
// unfinished runs of one function started in (StartedAfter, StartedBefore]
// whose triggering event matches If.
type CancellationRequest struct {
	// AppID is the app's ID; default: the client's app ID.
	AppID string
	// FunctionID is the function's ID as defined in the SDK, or its full
	// ID ("<app>-<fn>"); the request always sends the full ID, which the
	// server looks the function up by (required).
	FunctionID string
	// StartedAfter is optional (zero: no lower bound).
	StartedAfter time.Time
	// StartedBefore is required and must not be in the future.
	StartedBefore time.Time
	// If is an optional expression over event, e.g. "event.data.plan == 'free'".
	If string
}

// Cancellation is a bulk cancellation as the server stores it.
type Cancellation struct {
	// ID is the cancellation's ULID.
	ID string `json:"id"`
	// CreatedAt is when it was created.
	CreatedAt time.Time `json:"created_at"`
	// AppID identifies the app (the server shows its internal UUID).
	AppID string `json:"app_id"`
	// FunctionID is the function's full ID ("<app>-<fn>");
	// FunctionInternalID its internal UUID.
	FunctionID         string `json:"function_id"`
	FunctionInternalID string `json:"function_internal_id"`
	// StartedAfter and StartedBefore bound the runs' start times.
	StartedAfter  *time.Time `json:"started_after"`
	StartedBefore time.Time  `json:"started_before"`
	// If is the expression, if any.
	If string `json:"if,omitempty"`
	// Kind and Cause are the server's classification ("bulk_run", "api").
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
}

// CreateCancellation creates a bulk cancellation (POST /v1/cancellations).
// It is not retried.
func (c *Client) CreateCancellation(ctx context.Context, req CancellationRequest) (Cancellation, error) {
	body := struct {
		AppID         string     `json:"app_id"`
		FunctionID    string     `json:"function_id"`
		StartedAfter  *time.Time `json:"started_after"`
		StartedBefore time.Time  `json:"started_before"`
		If            string     `json:"if,omitempty"`
	}{AppID: req.AppID, FunctionID: req.FunctionID, StartedBefore: req.StartedBefore.UTC(), If: req.If}
	if body.AppID == "" {
		body.AppID = c.cfg.AppID
	}
	if body.FunctionID != "" && !strings.HasPrefix(body.FunctionID, body.AppID+"-") {
		// The server looks the function up by its full ID (its slug).
		body.FunctionID = body.AppID + "-" + body.FunctionID
	}
	if !req.StartedAfter.IsZero() {
		t := req.StartedAfter.UTC()
		body.StartedAfter = &t
	}
	var out Cancellation
	err := c.do(ctx, http.MethodPost, "/v1/cancellations", body, false, &out)
	return out, err
}

// Cancellations lists the bulk cancellations (GET /v1/cancellations).
func (c *Client) Cancellations(ctx context.Context) ([]Cancellation, error) {
	var out []Cancellation
	err := c.do(ctx, http.MethodGet, "/v1/cancellations", nil, true, &out)
	return out, err
}

// DeleteCancellation deletes a bulk cancellation
// (DELETE /v1/cancellations/{id}).
func (c *Client) DeleteCancellation(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/cancellations/"+url.PathEscape(id), nil, true, nil)
}

// Event is a received event.
type Event struct {
	// InternalID is the server's ULID for the event.
	InternalID string `json:"internal_id"`
	// ID is the event's own id (as sent), Name its name.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Data and User are the event's payloads.
	Data map[string]any `json:"data"`
	User map[string]any `json:"user,omitempty"`
	// TS is the event's timestamp (Unix ms); ReceivedAt when the server got it.
	TS         int64     `json:"ts"`
	ReceivedAt time.Time `json:"received_at"`
}

// GetEvent returns one event (GET /v1/events/{id}).
func (c *Client) GetEvent(ctx context.Context, id string) (Event, error) {
	var ev Event
	err := c.do(ctx, http.MethodGet, "/v1/events/"+url.PathEscape(id), nil, true, &ev)
	return ev, err
}

// EventsQuery filters ListEvents. The zero value lists the 20 newest events.
type EventsQuery struct {
	// Name keeps only the events with this name; empty keeps all.
	Name string
	// Limit is the most events returned; 0 means the server's default (20).
	Limit int
}

// ListEvents lists recent events, newest first (GET /v1/events).
func (c *Client) ListEvents(ctx context.Context, q EventsQuery) ([]Event, error) {
	v := url.Values{}
	if q.Name != "" {
		v.Set("name", q.Name)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/v1/events"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out []Event
	err := c.do(ctx, http.MethodGet, path, nil, true, &out)
	return out, err
}
