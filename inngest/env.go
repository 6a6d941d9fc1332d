package inngest

import (
	"net/url"
	"os"
	"strings"
)

const (
	cloudAPI      = "https://api.inngest.com"
	cloudEventAPI = "https://inn.gs"
	devDefaultURL = "http://127.0.0.1:8288"
	devEventKey   = "NO_EVENT_KEY_SET"
)

// getenv returns the first non-empty variable among names.
func getenv(lookup func(string) string, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(lookup(n)); v != "" {
			return v
		}
	}
	return ""
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// devFromEnv interprets INNGEST_DEV: "1"/"true"/"yes" or a URL with a host mean dev;
// "0"/"false"/"no" and empty mean cloud. It returns the dev origin if one was given.
func devFromEnv(v string) (dev bool, origin string) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no", "off":
		return false, ""
	case "1", "true", "yes", "on":
		return true, ""
	}
	if u, err := url.Parse(v); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return true, strings.TrimRight(v, "/")
	}
	return true, ""
}

func osLookup(k string) string { return os.Getenv(k) }

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "allow", "force":
		return true
	}
	return false
}

func platformFromEnv(lookup func(string) string) string {
	if r := lookup("AWS_REGION"); r != "" {
		return "aws-" + r
	}
	if lookup("VERCEL") != "" {
		return "vercel"
	}
	if lookup("NETLIFY") != "" {
		return "netlify"
	}
	return ""
}
