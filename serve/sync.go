package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// sync answers the server's PUT: an in-band sync (signed reply carrying the
// configuration) when asked for and the signature verifies, otherwise an out-of-band
// sync (POST /fn/register) then {"message", "modified"}. In cloud mode a PUT with a
// bad signature is refused, and an unsigned one syncs only to the configured
// ServeOrigin (configuredURL) or is refused.
func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, s.opts.MaxBodyBytes)
	if !ok {
		return
	}
	var sr wire.SyncRequest
	if len(body) > 0 {
		if err := jsoncodec.Unmarshal(body, &sr); err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "inngest: malformed sync request: "+err.Error(), true)
			return
		}
	}
	sig := r.Header.Get(wire.HeaderSignature)
	var matched string
	signedOK := false
	if sig != "" && s.cfg.SigningKey != "" {
		key, err := wire.VerifySignature(sig, body, s.opts.Now(), s.cfg.SigningKey, s.cfg.SigningKeyFallback)
		if err == nil {
			matched, signedOK = key, true
		} else if !s.cfg.Dev {
			writeError(w, http.StatusUnauthorized, "Unauthorized", err.Error(), true)
			return
		}
	}
	var appURL, deployID string
	if signedOK || s.cfg.Dev {
		appURL, deployID = s.serveURL(r, sr.URL)
	} else {
		// An unsigned PUT in cloud mode (`curl -X PUT .../api/inngest` after a deploy)
		// still syncs, authenticated towards the server by the signing key, but
		// nothing it says is trusted: the app is registered at its configured
		// ServeOrigin, never at a host, URL or deploy named by the caller.
		var err error
		if appURL, err = s.configuredURL(r); err != nil {
			writeError(w, http.StatusUnauthorized, "Unauthorized", err.Error(), true)
			return
		}
	}
	if r.Header.Get(wire.HeaderSyncKind) == wire.SyncInBand && signedOK {
		s.inBandSync(w, r, appURL, matched)
		return
	}
	modified, err := s.register(r.Context(), appURL, deployID, r.Header.Get(wire.HeaderServerKind))
	w.Header().Set(wire.HeaderSyncKind, wire.SyncOutOfBand)
	if err != nil {
		s.logger.Error("inngest: sync failed", "error", err)
		b, _ := jsoncodec.Marshal(wire.SyncReply{Message: err.Error(), Modified: false})
		w.Header().Set(wire.HeaderNoRetry, "false")
		writeJSON(w, http.StatusInternalServerError, b)
		return
	}
	b, _ := jsoncodec.Marshal(wire.SyncReply{Message: "Successfully registered", Modified: modified})
	writeJSON(w, http.StatusOK, b)
}

// registration builds the sync body for appURL.
func (s *Server) registration(appURL string) wire.RegisterRequest {
	return wire.RegisterRequest{
		V: "1", URL: appURL, DeployType: "ping", SDK: s.cfg.SDK, Framework: s.opts.Framework,
		AppName: s.cfg.AppID, AppVersion: s.cfg.AppVersion,
		Headers:      wire.RegisterHeaders{Env: s.cfg.Env, Platform: s.cfg.Platform},
		Capabilities: wire.Capabilities{InBandSync: "v1", TrustProbe: "v1"},
		Functions:    s.functionConfigs("http", appURL),
	}
}

// functionConfigs is the functions' sync configuration, each called at appURL
// over runtime ("http" for this handler, "ws" for a Connect worker).
func (s *Server) functionConfigs(runtime, appURL string) []wire.Function {
	fns := make([]wire.Function, len(s.fns))
	for i, f := range s.fns {
		c := f.Config
		steps := make(map[string]wire.Step, 1)
		st := c.Steps["step"]
		st.Runtime = wire.StepRuntime{Type: runtime, URL: functionURL(appURL, c.ID)}
		steps["step"] = st
		c.Steps = steps
		if !f.Checkpoint.Disabled {
			c.Checkpoint = &wire.Checkpoint{BatchSteps: f.Checkpoint.BatchSteps}
			if f.Checkpoint.BatchInterval > 0 {
				c.Checkpoint.BatchInterval = timestr.Format(f.Checkpoint.BatchInterval)
			}
			if f.Checkpoint.MaxRuntime > 0 {
				c.Checkpoint.MaxRuntime = timestr.Format(f.Checkpoint.MaxRuntime)
			}
		}
		fns[i] = c
	}
	return fns
}

// Register syncs the app with the server out of band (POST {api}/fn/register), as a
// PUT from the server would; appURL is the URL the server should call.
func (s *Server) Register(ctx context.Context, appURL string) error {
	_, err := s.register(ctx, appURL, "", "")
	return err
}

func (s *Server) register(ctx context.Context, appURL, deployID, serverKind string) (bool, error) {
	body, err := jsoncodec.Marshal(s.registration(appURL))
	if err != nil {
		return false, err
	}
	endpoint := s.cfg.APIBaseURL + "/fn/register"
	if deployID != "" {
		endpoint += "?deployId=" + url.QueryEscape(deployID)
	}
	h := http.Header{}
	if serverKind != "" {
		h.Set(wire.HeaderExpectedServerKind, serverKind)
	}
	resp, raw, err := s.apiDo(ctx, http.MethodPost, endpoint, body, h, true)
	if err != nil {
		return false, fmt.Errorf("inngest: registering functions: %w", err)
	}
	var rr wire.RegisterResponse
	_ = jsoncodec.Unmarshal(raw, &rr)
	if resp.StatusCode/100 != 2 {
		msg := rr.Error
		if msg == "" {
			msg = string(raw)
		}
		return false, fmt.Errorf("inngest: registering functions: status %d: %s", resp.StatusCode, msg)
	}
	return rr.Modified, nil
}

func (s *Server) inBandSync(w http.ResponseWriter, r *http.Request, appURL, key string) {
	reg := s.registration(appURL)
	fw := s.opts.Framework
	var env, platform *string
	if s.cfg.Env != "" {
		env = &s.cfg.Env
	}
	if s.cfg.Platform != "" {
		platform = &s.cfg.Platform
	}
	out := wire.InBandSyncResponse{
		AppID: s.cfg.AppID, AppVersion: s.cfg.AppVersion, Capabilities: reg.Capabilities, Env: env, Framework: &fw,
		Functions: reg.Functions, Inspection: s.introspection(true), Platform: platform,
		SDK: s.cfg.SDK, SDKAuthor: "inngest-go", SDKLanguage: "go", SDKVersion: s.cfg.SDKVersion, URL: appURL,
	}
	body, err := jsoncodec.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Error", err.Error(), false)
		return
	}
	w.Header().Set(wire.HeaderSyncKind, wire.SyncInBand)
	w.Header().Set(wire.HeaderSignature, wire.SignResponse(key, s.opts.Now(), body))
	writeJSON(w, http.StatusOK, body)
}
