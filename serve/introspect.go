package serve

import (
	"net/http"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// devEventKeyPlaceholder is the event key a dev-mode client uses when none is set
// (the same placeholder as the official SDKs).
const devEventKeyPlaceholder = "NO_EVENT_KEY_SET"

// introspect answers GET. The authenticated form (with key hashes and origins) is
// only given to a request whose signature over the empty body verifies; everyone
// else gets the seven-key unauthenticated form, which holds no key material.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	authed := false
	var succeeded *bool
	if sig := r.Header.Get(wire.HeaderSignature); sig != "" {
		ok := false
		if s.cfg.SigningKey != "" {
			_, err := wire.VerifySignature(sig, nil, s.opts.Now(), s.cfg.SigningKey, s.cfg.SigningKeyFallback)
			ok = err == nil
		}
		authed = ok
		succeeded = &ok
	}
	in := s.introspection(authed)
	if !authed {
		in.AuthenticationSucceeded = succeeded
	}
	b, _ := jsoncodec.Marshal(in)
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) introspection(authed bool) wire.Introspection {
	mode := wire.ServerKindCloud
	if s.cfg.Dev {
		mode = wire.ServerKindDev
	}
	eventKey := s.cfg.EventKey
	if s.cfg.Dev && eventKey == devEventKeyPlaceholder {
		// The placeholder the client sends with in dev mode is not a configured key.
		eventKey = ""
	}
	in := wire.Introspection{
		SchemaVersion:         wire.IntrospectionSchemaVersion,
		FunctionCount:         len(s.fns),
		HasEventKey:           eventKey != "",
		HasSigningKey:         s.cfg.SigningKey != "",
		HasSigningKeyFallback: s.cfg.SigningKeyFallback != "",
		Mode:                  mode,
	}
	if !authed {
		return in
	}
	t := true
	in.AuthenticationSucceeded = &t
	a := &wire.IntrospectionAuthed{
		APIOrigin: s.cfg.APIBaseURL, AppID: s.cfg.AppID, EventAPIOrigin: s.cfg.EventAPIBaseURL,
		Capabilities: wire.Capabilities{InBandSync: "v1", TrustProbe: "v1"},
		Framework:    s.opts.Framework, SDKLanguage: "go", SDKVersion: s.cfg.SDKVersion,
		ServeOrigin: s.cfg.ServeOrigin, ServePath: s.cfg.ServePath,
	}
	if s.cfg.Env != "" {
		a.Env = &s.cfg.Env
	}
	if eventKey != "" {
		h := wire.HashEventKey(eventKey)
		a.EventKeyHash = &h
	}
	if s.cfg.SigningKey != "" {
		h := wire.HashSigningKey(s.cfg.SigningKey)
		a.SigningKeyHash = &h
	}
	if s.cfg.SigningKeyFallback != "" {
		h := wire.HashSigningKey(s.cfg.SigningKeyFallback)
		a.SigningKeyFallbackHash = &h
	}
	in.IntrospectionAuthed = a
	return in
}

// trustProbe answers POST ?probe=trust: 200 {} signed with the key that verified the
// request (cloud), or a bare 200 {} in dev mode.
func (s *Server) trustProbe(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, s.opts.MaxBodyBytes)
	if !ok {
		return
	}
	key, ok := s.verify(w, r, body)
	if !ok {
		return
	}
	out := []byte("{}")
	if !s.cfg.Dev {
		w.Header().Set(wire.HeaderSignature, wire.SignResponse(key, s.opts.Now(), out))
	}
	writeJSON(w, http.StatusOK, out)
}
