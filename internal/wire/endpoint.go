package wire

// EndpointEventName is the event that starts a durable endpoint's run (a
// sync run created through POST /v1/checkpoint).
const EndpointEventName = "inngest/http.request"

// EndpointRequest is the data of that event: the HTTP request the run
// belongs to, as the server's checkpoint API takes it (its NewAPIRunData).
// Body is base64 on the wire; the server decodes it into bytes.
type EndpointRequest struct {
	Domain      string `json:"domain"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Fn          string `json:"fn"`
	IP          string `json:"ip"`
	ContentType string `json:"content_type"`
	QueryParams string `json:"query_params"`
	Body        []byte `json:"body"`
}

// Slug is the endpoint function's name: Fn, or "METHOD /path" as the server
// names it.
func (d EndpointRequest) Slug() string {
	if d.Fn != "" {
		return d.Fn
	}
	return d.Method + " " + d.Path
}
