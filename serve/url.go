package serve

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// serveURL is the URL the server should call, for a trusted sync (signed, or dev
// mode): the URL the server says it used (a signed PUT's body) or else the URL of
// the request (Host, X-Forwarded-Proto, path and query), with ServeOrigin /
// ServePath applied and the protocol's own query parameters removed. It also
// returns the deployId, from that URL or the request's query.
func (s *Server) serveURL(r *http.Request, given string) (string, string) {
	var u *url.URL
	if given != "" {
		if pu, err := url.Parse(given); err == nil && pu.Host != "" {
			u = pu
		}
	}
	if u == nil {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		u = &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	}
	if s.cfg.ServeOrigin != "" {
		origin := s.cfg.ServeOrigin
		if !strings.Contains(origin, "://") {
			origin = u.Scheme + "://" + origin
		}
		if ou, err := url.Parse(origin); err == nil && ou.Host != "" {
			u.Scheme, u.Host = ou.Scheme, ou.Host
		}
	}
	if s.cfg.ServePath != "" {
		u.Path = s.cfg.ServePath
	}
	q := u.Query()
	deployID := q.Get("deployId")
	if deployID == "" {
		// The server puts deployId on the PUT's own URL, not (only) in the body.
		deployID = r.URL.Query().Get("deployId")
	}
	for _, k := range []string{"deployId", "fnId", "stepId", "step", "probe"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), deployID
}

// errNoServeOrigin refuses an unsigned sync in cloud mode when the app has no
// configured origin to register.
var errNoServeOrigin = errors.New("inngest: an unsigned sync in cloud mode registers only a configured origin: " +
	"set INNGEST_SERVE_ORIGIN (or ClientOptions.ServeOrigin) to the app's public origin with its scheme, " +
	"e.g. https://app.example.com, or sync from the Inngest server (a signed sync)")

// configuredURL is the URL an unsigned sync in cloud mode registers: ServeOrigin's
// scheme and host, then ServePath, or else the path the request was routed to (a
// router hands the handler only the paths it is mounted at). Nothing else of the
// request is read: not Host, X-Forwarded-*, Forwarded, the query string nor the
// body. Without a ServeOrigin that names its scheme, errNoServeOrigin.
func (s *Server) configuredURL(r *http.Request) (string, error) {
	if !strings.Contains(s.cfg.ServeOrigin, "://") {
		return "", errNoServeOrigin
	}
	ou, err := url.Parse(s.cfg.ServeOrigin)
	if err != nil || ou.Host == "" || (ou.Scheme != "http" && ou.Scheme != "https") {
		return "", errNoServeOrigin
	}
	u := url.URL{Scheme: ou.Scheme, Host: ou.Host, Path: s.cfg.ServePath}
	if u.Path == "" {
		u.Path = r.URL.Path
	}
	return u.String(), nil
}

// functionURL is the runtime URL of one function.
func functionURL(base, fnID string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "fnId=" + url.QueryEscape(fnID) + "&stepId=step"
}
