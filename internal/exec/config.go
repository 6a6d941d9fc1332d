package exec

import (
	"log/slog"
	"net/http"
)

// ClientConfig is the resolved configuration of an inngest.Client, as the serve
// handler needs it.
type ClientConfig struct {
	AppID              string
	AppVersion         string
	Dev                bool
	SigningKey         string
	SigningKeyFallback string
	EventKey           string
	Env                string
	APIBaseURL         string
	EventAPIBaseURL    string
	ServeOrigin        string
	ServePath          string
	HTTPClient         *http.Client
	Logger             *slog.Logger
	SDK                string // X-Inngest-SDK value, e.g. "inngest-go:v0.1.0"
	SDKVersion         string
	Platform           string
	Streaming          bool
}
