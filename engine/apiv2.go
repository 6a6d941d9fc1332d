package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// The REST API v2 subset the engine serves, at /v2 and /api/v2 as the dev
// server mounts it: POST /v2/runs/{id}/rerun. Its answers are the server's:
// {"data": ..., "metadata": {"fetchedAt": ...}}, or an error envelope
// {"errors": [{"code", "message"}]} with the server's codes and messages
// (pkg/api/v2 of inngest/inngest; testdata/realserver/rerun.json).

// maxV2Body bounds a v2 request body.
const maxV2Body = 1 << 20

// v2Path returns the path below the v2 API's mount point, if path is in it.
func v2Path(path string) (string, bool) {
	for _, p := range []string{"/api/v2/", "/v2/"} {
		if rest, ok := strings.CutPrefix(path, p); ok {
			return rest, true
		}
	}
	return "", false
}

// v2Error is one entry of the v2 error envelope.
type v2Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeV2Error(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, "application/json", struct {
		Errors []v2Error `json:"errors"`
	}{Errors: []v2Error{{Code: code, Message: msg}}})
}

// The server's v2 error codes.
const (
	v2CodeAPIError      = "api_error" // the gateway's own: routing, decoding
	v2CodeMissingField  = "missing_field"
	v2CodeInvalidFormat = "invalid_field_format"
	v2CodeInvalidReq    = "invalid_request"
	v2CodeNotFound      = "not_found"
	v2CodeInternal      = "internal_error"
)

// serveV2 answers a request below /v2/ or /api/v2/ (rest is the path below
// the mount point). It routes itself: the server answers "/v2/runs//rerun"
// (no run ID) with a 400, where http.ServeMux would redirect.
func (e *Engine) serveV2(w http.ResponseWriter, r *http.Request, rest string) {
	if !e.authorized(r) {
		unauthorized(w)
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != "runs" || parts[2] != "rerun" {
		writeV2Error(w, http.StatusNotFound, v2CodeAPIError, "Not Found")
		return
	}
	if r.Method != http.MethodPost {
		writeV2Error(w, http.StatusNotImplemented, v2CodeAPIError, "Method Not Allowed")
		return
	}
	e.handleRerun(w, r, parts[1])
}

// rerunBody is a decoded rerun request.
type rerunBody struct {
	fromStep bool
	stepID   string
	input    json.RawMessage
}

// errV2Body is a rerun body the server's decoder refuses.
var errV2Body = errors.New("inngest: bad request body")

// decodeRerunBody reads a rerun request as the server's decoder does: an
// empty body or an object whose keys (fromStep, runId, in camelCase or
// snake_case) have the expected types; fromStep holds stepId (a string)
// and input (an array); null is an absent value; other keys are refused.
func decodeRerunBody(raw []byte) (rerunBody, error) {
	var out rerunBody
	if len(bytes.TrimSpace(raw)) == 0 {
		return out, nil
	}
	var top map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(raw, &top); err != nil || top == nil {
		return out, errV2Body
	}
	for k, v := range top {
		switch k {
		case "runId", "run_id": // the path's run ID wins, as on the server
			var s *string
			if jsoncodec.Unmarshal(v, &s) != nil {
				return out, errV2Body
			}
		case "fromStep", "from_step":
			if isNull(v) {
				continue
			}
			var fs map[string]json.RawMessage
			if err := jsoncodec.Unmarshal(v, &fs); err != nil {
				return out, errV2Body
			}
			out.fromStep = true
			for fk, fv := range fs {
				switch fk {
				case "stepId", "step_id":
					var s *string
					if jsoncodec.Unmarshal(fv, &s) != nil {
						return out, errV2Body
					}
					if s != nil {
						out.stepID = *s
					}
				case "input":
					if isNull(fv) {
						continue
					}
					var arr []json.RawMessage
					if jsoncodec.Unmarshal(fv, &arr) != nil {
						return out, errV2Body
					}
					out.input = canonical(fv)
				default:
					return out, errV2Body
				}
			}
		default:
			return out, errV2Body
		}
	}
	return out, nil
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// handleRerun answers POST /v2/runs/{id}/rerun.
func (e *Engine) handleRerun(w http.ResponseWriter, r *http.Request, id string) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxV2Body+1))
	if err != nil || len(raw) > maxV2Body {
		writeV2Error(w, http.StatusBadRequest, v2CodeAPIError, "the request body could not be read or is over 1 MB")
		return
	}
	body, err := decodeRerunBody(raw)
	if err != nil {
		writeV2Error(w, http.StatusBadRequest, v2CodeAPIError, "the request body is not a rerun request: "+
			`expected {"fromStep": {"stepId": string, "input": array}}`)
		return
	}
	if id == "" {
		writeV2Error(w, http.StatusBadRequest, v2CodeMissingField, "Run ID is required")
		return
	}
	if _, err := wire.ULIDTime(strings.ToUpper(id)); err != nil {
		writeV2Error(w, http.StatusBadRequest, v2CodeInvalidFormat, "Run ID must be a valid ULID")
		return
	}
	opts := RerunOptions{}
	if body.fromStep {
		if body.stepID == "" {
			writeV2Error(w, http.StatusBadRequest, v2CodeMissingField, "Step ID is required")
			return
		}
		opts.FromStep, opts.Input = body.stepID, body.input
	}
	run, err := e.RerunFrom(r.Context(), strings.ToUpper(id), opts)
	switch {
	case errors.Is(err, ErrRunNotFound):
		writeV2Error(w, http.StatusNotFound, v2CodeNotFound, "Run not found")
		return
	case errors.Is(err, ErrRerunStepNotFound):
		writeV2Error(w, http.StatusBadRequest, v2CodeInvalidReq, "Step not found in original run")
		return
	case errors.Is(err, ErrRerunStepAmbiguous):
		writeV2Error(w, http.StatusBadRequest, v2CodeInvalidReq, "Step name matches multiple steps in original run")
		return
	case err == nil && run.ID == "":
		err = errors.New("the rerun was skipped") // a singleton's skip
	}
	if err != nil {
		e.log.Warn("inngest: rerun failed", "run", id, "err", err)
		writeV2Error(w, http.StatusInternalServerError, v2CodeInternal, "Unable to rerun run")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"data":     map[string]string{"runId": run.ID},
		"metadata": map[string]string{"fetchedAt": e.clock.Now().UTC().Format(time.RFC3339Nano)},
	})
}
