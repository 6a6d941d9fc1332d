package engine

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// DevInfoVersion is the "version" GET /dev reports.
const DevInfoVersion = "inngest-go-engine"

// devInfo is the body of GET /dev, in the dev server's shape (its Info
// handler): what the engine runs and every function synced.
type devInfo struct {
	Version             string          `json:"version"`
	Authenticated       bool            `json:"authed"`
	StartOpts           devStartOpts    `json:"startOpts"`
	Functions           []devFunction   `json:"functions"`
	Handlers            []devHandler    `json:"handlers"`
	IsSingleNodeService bool            `json:"isSingleNodeService"`
	IsMissingSigningKey bool            `json:"isMissingSigningKey"`
	IsMissingEventKeys  bool            `json:"isMissingEventKeys"`
	Features            map[string]bool `json:"features"`
}

// devStartOpts mirrors the dev server's startOpts; urls lists the serve URLs
// of the synced apps.
type devStartOpts struct {
	Dir           string   `json:"dir"`
	URLs          []string `json:"urls"`
	Autodiscover  bool     `json:"autodiscover"`
	Poll          bool     `json:"poll"`
	PollInterval  int      `json:"poll_interval"`
	Tick          int64    `json:"tick"`
	RetryInterval int      `json:"retry_interval"`
	QueueWorkers  int      `json:"queue_workers"`
	RequireKeys   bool     `json:"require_keys"`
}

// devFunction is a synced function as the server stores it: its internal UUID
// as id, the SDK's composite id as slug, steps as a list with their URI.
type devFunction struct {
	ID       string          `json:"id"`
	Version  int             `json:"fv"`
	Name     string          `json:"name"`
	Slug     string          `json:"slug"`
	Triggers []wire.Trigger  `json:"triggers"`
	Steps    []devStep       `json:"steps"`
	Config   json.RawMessage `json:"-"`
}

type devStep struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URI     string `json:"uri"`
	Retries *int   `json:"retries,omitempty"`
}

// devHandler is one synced app: its functions' slugs and its sync request.
// The dev server declares this list but leaves it empty; the engine fills it
// so that GET /dev names the apps it knows.
type devHandler struct {
	FunctionIDs []string        `json:"functionIDs"`
	SDK         json.RawMessage `json:"sdk"`
}

// MarshalJSON writes the function's flow-control configuration (concurrency,
// throttle, ...) as synced, then the server's identity fields over it.
func (f devFunction) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	if len(f.Config) > 0 {
		_ = jsoncodec.Unmarshal(f.Config, &out)
	}
	delete(out, "retries")
	type plain devFunction
	b, err := jsoncodec.Marshal(plain(f))
	if err != nil {
		return nil, err
	}
	var ident map[string]any
	if err := jsoncodec.Unmarshal(b, &ident); err != nil {
		return nil, err
	}
	for k, v := range ident {
		out[k] = v
	}
	return jsoncodec.Marshal(out)
}

// devInfoLocked builds GET /dev's answer.
func (e locked) devInfoLocked() devInfo {
	info := devInfo{
		Version:             DevInfoVersion,
		Authenticated:       false,
		StartOpts:           devStartOpts{URLs: []string{}, QueueWorkers: e.opts.MaxConcurrentCalls},
		Functions:           []devFunction{},
		Handlers:            []devHandler{},
		IsSingleNodeService: false, // as `inngest dev` reports
		Features:            map[string]bool{},
	}
	names := make([]string, 0, len(e.s.apps))
	for name := range e.s.apps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		app := e.s.apps[name]
		info.StartOpts.URLs = append(info.StartOpts.URLs, app.rec.URL)
		h := devHandler{FunctionIDs: []string{}, SDK: app.rec.Config}
		for _, fn := range app.fns {
			h.FunctionIDs = append(h.FunctionIDs, fn.id)
			df := devFunction{ID: fn.uuid, Version: 1, Name: fn.def.Name, Slug: fn.id, Triggers: fn.def.Triggers, Steps: []devStep{}}
			if df.Triggers == nil {
				df.Triggers = []wire.Trigger{}
			}
			df.Config, _ = jsoncodec.Marshal(fn.def)
			for _, s := range fn.def.Steps {
				ds := devStep{ID: s.ID, Name: s.Name, URI: s.Runtime.URL}
				if s.Retries != nil {
					// Like the server: only a step's own retries are shown.
					ds.Retries = &s.Retries.Attempts
				}
				df.Steps = append(df.Steps, ds)
			}
			info.Functions = append(info.Functions, df)
		}
		info.Handlers = append(info.Handlers, h)
	}
	return info
}

func (e *Engine) handleDevInfo(w http.ResponseWriter, _ *http.Request) {
	l := e.lock()
	info := l.devInfoLocked()
	l.unlock()
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", info)
}
