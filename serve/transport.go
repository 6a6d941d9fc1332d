package serve

import (
	"context"
	"net/http"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

func init() {
	link.RegisterTransport(func(s *Server) link.Transport { return transport{s} })
}

// transport lends a Server's call path to the Connect worker (internal/link).
type transport struct{ s *Server }

func (t transport) Prepare(ctx context.Context, fnID, stepID string, body []byte, traceParent, traceState string) (*exec.Call, exec.Response) {
	return t.s.prepare(ctx, fnID, stepID, body, t.s.opts.Now(), traceParent, traceState)
}

func (t transport) Functions(runtime, appURL string) []wire.Function {
	return t.s.functionConfigs(runtime, appURL)
}

func (t transport) Headers(resp exec.Response) map[string]string { return t.s.responseHeaders(resp) }

func (t transport) API(ctx context.Context, method, url string, body []byte, header http.Header) (*http.Response, []byte, error) {
	return t.s.apiDo(ctx, method, url, body, header, false)
}

func (t transport) Config() exec.ClientConfig { return *t.s.cfg }
