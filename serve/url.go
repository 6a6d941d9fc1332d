package serve

import (
	"net/http"
	"net/url"
	"strings"
)

// serveURL is the URL the server should call: the URL of the request (or the URL the
// server says it used, for a sync PUT) with ServeOrigin / ServePath applied and the
// protocol's own query parameters removed. It also returns the deployId, if any and
// if the request is trusted (signed, or dev mode).
func (s *Server) serveURL(r *http.Request, given string, trusted bool) (string, string) {
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
	if !trusted {
		deployID = ""
	}
	for _, k := range []string{"deployId", "fnId", "stepId", "step", "probe"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), deployID
}

// functionURL is the runtime URL of one function.
func functionURL(base, fnID string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "fnId=" + url.QueryEscape(fnID) + "&stepId=step"
}
