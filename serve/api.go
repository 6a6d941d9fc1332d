package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// apiError is a non-2xx answer of the Inngest API.
type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("inngest API answered %d: %s", e.Status, e.Body)
}

// apiDo sends a request to the Inngest API with the hashed signing key as Bearer
// token, retrying once with the fallback key on 401 (and 403 when retry403 is set).
func (s *Server) apiDo(ctx context.Context, method, url string, body []byte, header http.Header, retry403 bool) (*http.Response, []byte, error) {
	keys := []string{s.cfg.SigningKey}
	if s.cfg.SigningKeyFallback != "" {
		keys = append(keys, s.cfg.SigningKeyFallback)
	}
	var lastErr error
	for i, key := range keys {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, rd)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		if body != nil && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
		restapi.SetHeaders(req.Header, s.cfg, key)
		resp, err := s.cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, nil, err
		}
		if (resp.StatusCode == http.StatusUnauthorized || (retry403 && resp.StatusCode == http.StatusForbidden)) && i+1 < len(keys) {
			lastErr = &apiError{Status: resp.StatusCode, Body: string(raw)}
			continue
		}
		return resp, raw, nil
	}
	return nil, nil, lastErr
}

// checkpoint persists buffered StepRun ops through the async checkpoint API (§9.1).
// started is when the call arrived: the server skips its stale-dispatch check for
// a checkpoint of a fresh request (request_started_at, Unix ms).
func (s *Server) checkpoint(ctx context.Context, req *wire.CallRequest, started time.Time, ops []wire.Op) error {
	body, err := jsoncodec.Marshal(wire.CheckpointRequest{
		RunID: req.Ctx.RunID, FnID: req.Ctx.FnID, QiID: req.Ctx.QiID, RequestID: req.Ctx.RequestID,
		GenerationID: req.Ctx.GenerationID, TS: s.opts.Now().UnixMilli(), RequestStartedAt: started.UnixMilli(), Steps: ops,
	})
	if err != nil {
		return err
	}
	resp, raw, err := s.apiDo(ctx, http.MethodPost, s.cfg.APIBaseURL+"/v1/checkpoint/"+req.Ctx.RunID+"/async", body, nil, false)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &apiError{Status: resp.StatusCode, Body: string(raw)}
	}
	return nil
}

// fetchState loads events and step state that were too large to send inline (§4.2).
func (s *Server) fetchState(ctx context.Context, req *wire.CallRequest) error {
	base := s.cfg.APIBaseURL + "/v0/runs/" + req.Ctx.RunID
	resp, raw, err := s.apiDo(ctx, http.MethodGet, base+"/batch", nil, nil, false)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &apiError{Status: resp.StatusCode, Body: string(raw)}
	}
	var evs []json.RawMessage
	if err := jsoncodec.Unmarshal(raw, &evs); err != nil {
		return fmt.Errorf("decoding events: %w", err)
	}
	resp, raw, err = s.apiDo(ctx, http.MethodGet, base+"/actions", nil, nil, false)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &apiError{Status: resp.StatusCode, Body: string(raw)}
	}
	steps := map[string]json.RawMessage{}
	if err := jsoncodec.Unmarshal(raw, &steps); err != nil {
		return fmt.Errorf("decoding steps: %w", err)
	}
	req.Events = evs
	if len(evs) > 0 {
		req.Event = evs[0]
	}
	req.Steps = steps
	return nil
}
