package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
)

// Errors of Rerun. Each is returned wrapped together with the server's
// *inngest.APIError, so errors.Is matches the sentinel and errors.As still
// finds the APIError (its Status, Code and Message).
var (
	// ErrRerunStepNotFound: RerunOptions.FromStep names no step of the
	// original run (400 "Step not found in original run").
	ErrRerunStepNotFound = errors.New("inngest: rerun: step not found in the original run")
	// ErrRerunStepAmbiguous: RerunOptions.FromStep is a step name that
	// several steps of the original run share (a step ID used more than
	// once); name the one meant by its hashed ID (400 "Step name matches
	// multiple steps in original run").
	ErrRerunStepAmbiguous = errors.New("inngest: rerun: step name matches several steps of the original run")
	// ErrRerunNotSupported: the server does not rerun this run (501), e.g.
	// a cron-triggered run on Inngest Cloud, or a server without the
	// rerun endpoint.
	ErrRerunNotSupported = errors.New("inngest: rerun not supported")
)

// The server's messages for the rerun errors (pkg/api/v2 of inngest/inngest).
const (
	msgRerunStepNotFound  = "Step not found in original run"
	msgRerunStepAmbiguous = "Step name matches multiple steps in original run"
)

// RerunOptions says how Rerun reruns a run. The zero value reruns the
// whole run from the beginning.
type RerunOptions struct {
	// FromStep, when not empty, reruns from this step: the steps the
	// original run finished before it are memoized in the new run (their
	// code does not run again), and the step itself and every step after
	// it run again. It is the step's ID as given in the code ("charge"),
	// or its hashed ID when the name is used by several steps. Default
	// "": the whole run runs again.
	FromStep string
	// Input, with FromStep, replaces the step's input: the arguments a
	// step receives in SDKs whose steps take arguments (the JavaScript
	// SDK's step.run(id, fn, ...args)), sent as a JSON array. The server
	// hands it to the SDK as the step's {"input": [...]}; this SDK's
	// step.Run takes no arguments and runs the step's code as written.
	// Default nil: the step's input is left as it was.
	Input []any
}

type rerunFromStep struct {
	StepID string `json:"stepId"`
	Input  *[]any `json:"input,omitempty"`
}

type rerunRequest struct {
	FromStep *rerunFromStep `json:"fromStep,omitempty"`
}

// Rerun starts a new run of runID's function with the original run's
// triggering event (POST /v2/runs/{id}/rerun, which Inngest Cloud, the dev
// server and a self-hosted server all serve) and returns the new run's ID. It is not retried. An unknown run is inngest.ErrNotFound;
// a bad FromStep is ErrRerunStepNotFound or ErrRerunStepAmbiguous; every
// failure is an *inngest.APIError (errors.As) carrying the server's error
// code ("not_found", "invalid_request", ...).
func (c *Client) Rerun(ctx context.Context, runID string, opts RerunOptions) (string, error) {
	var req rerunRequest
	if opts.FromStep != "" || opts.Input != nil {
		req.FromStep = &rerunFromStep{StepID: opts.FromStep}
		if opts.Input != nil {
			in := opts.Input
			req.FromStep.Input = &in
		}
	}
	body, err := jsoncodec.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("inngest: rerun: encoding the request: %w", err)
	}
	path := "/v2/runs/" + url.PathEscape(runID) + "/rerun"
	res, err := restapi.Do(ctx, &c.cfg, http.MethodPost, path, body, false)
	if err != nil {
		return "", fmt.Errorf("inngest: POST %s: %w", path, err)
	}
	if res.Status/100 != 2 {
		return "", rerunError(inngest.NewAPIError(http.MethodPost, path, res.Status, res.Body))
	}
	var out struct {
		Data struct {
			RunID string `json:"runId"`
		} `json:"data"`
	}
	if err := jsoncodec.Unmarshal(res.Body, &out); err != nil {
		return "", fmt.Errorf("inngest: POST %s: decoding the answer: %w", path, err)
	}
	if out.Data.RunID == "" {
		return "", fmt.Errorf("inngest: POST %s: the answer names no new run", path)
	}
	return out.Data.RunID, nil
}

// rerunError wraps ae with the sentinel of its kind, if any.
func rerunError(ae *inngest.APIError) error {
	switch {
	case ae.Status == http.StatusBadRequest && ae.Message == msgRerunStepNotFound:
		return fmt.Errorf("%w: %w", ErrRerunStepNotFound, ae)
	case ae.Status == http.StatusBadRequest && ae.Message == msgRerunStepAmbiguous:
		return fmt.Errorf("%w: %w", ErrRerunStepAmbiguous, ae)
	case ae.Status == http.StatusNotImplemented:
		return fmt.Errorf("%w: %w", ErrRerunNotSupported, ae)
	}
	return ae
}
