package otel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	inngestotel "github.com/seed-b02f2472/inngest-go/middleware/otel"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// capturedCall is a server→SDK call of a real-server wire capture.
type capturedCall struct {
	Dir        string            `json:"dir"`
	Actor      string            `json:"actor"`
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	ReqHeaders map[string]string `json:"req_headers"`
	ReqBody    json.RawMessage   `json:"req_body"`
}

// firstCall returns the first server→SDK call of ../../testdata/wire/<name>.jsonl.
func firstCall(t *testing.T, name string) capturedCall {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "wire", name+".jsonl"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var c capturedCall
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		if c.Dir == "server->sdk" && c.Method == http.MethodPost && c.Actor == "" {
			return c
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("capture %s has no call", name)
	return capturedCall{}
}

// withCarrier returns the call body with the event data (event and events[0])
// carrying the given trace context under CarrierKey, as a traced send writes it.
func withCarrier(t *testing.T, body json.RawMessage, carrier propagation.MapCarrier) []byte {
	t.Helper()
	var req map[string]any
	require.NoError(t, json.Unmarshal(body, &req))
	set := func(ev any) {
		data := ev.(map[string]any)["data"].(map[string]any)
		data[inngestotel.CarrierKey] = map[string]string(carrier)
	}
	set(req["event"])
	set(req["events"].([]any)[0])
	b, err := json.Marshal(req)
	require.NoError(t, err)
	return b
}

// TestCallSpanJoinsTheServersTrace replays the first call of the real-server
// capture steps-serial (its body and headers, Traceparent and Tracestate
// included) through the real handler. The call span is a child of the
// header's remote span (the way the JavaScript SDK joins the run's trace);
// when the event data also carries a sender's span (CarrierKey), the header
// still wins and the sender's span is a link; a malformed header falls back to
// the carrier.
func TestCallSpanJoinsTheServersTrace(t *testing.T) {
	t.Parallel()
	call := firstCall(t, "steps-serial")
	header, err := trace.ParseTraceState(call.ReqHeaders["Tracestate"])
	require.NoError(t, err)
	remote := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(),
		propagation.MapCarrier{"traceparent": call.ReqHeaders["Traceparent"]}))
	require.True(t, remote.IsValid(), "the capture's Traceparent is valid")

	// A sender's span, as Client.Send writes it into event data.
	senderTP := sdktrace.NewTracerProvider()
	_, sender := senderTP.Tracer("test").Start(context.Background(), "send")
	sender.End()
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpan(context.Background(), sender), carrier)

	for _, tc := range []struct {
		name        string
		traceparent string // "" keeps the captured header
		carrier     bool
		parent      trace.SpanContext
		links       []trace.SpanContext
	}{
		{name: "header", parent: remote},
		{name: "header and carrier", carrier: true, parent: remote, links: []trace.SpanContext{sender.SpanContext()}},
		{name: "malformed header, carrier", traceparent: "00-zz-not-a-trace", carrier: true, parent: sender.SpanContext()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			mw, err := inngestotel.New(inngestotel.Options{TracerProvider: tp})
			require.NoError(t, err)
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecap", Mode: inngest.ModeDev,
				APIBaseURL: "http://127.0.0.1:1", EventAPIBaseURL: "http://127.0.0.1:1",
				Checkpoint: inngest.CheckpointOptions{Disabled: true}, Middleware: []*inngest.Middleware{mw}})
			require.NoError(t, err)
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "steps-serial"},
				inngest.OnEvent(events.Define[map[string]any]("wirecap/steps-serial", events.AllowAnyName())),
				func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
					return step.Run(ctx, "A", func(ctx context.Context) (string, error) { return "a", nil })
				})
			require.NoError(t, err)
			h := serve.Handler(c, fn)

			body := []byte(call.ReqBody)
			if tc.carrier {
				body = withCarrier(t, call.ReqBody, carrier)
			}
			req := httptest.NewRequest(http.MethodPost, call.URL, bytes.NewReader(body))
			for k, v := range call.ReqHeaders {
				if k != "Content-Length" {
					req.Header.Set(k, v)
				}
			}
			if tc.traceparent != "" {
				req.Header.Set("Traceparent", tc.traceparent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())

			spans := exp.GetSpans()
			calls := named(spans, "inngest.call wirecap-steps-serial")
			require.Len(t, calls, 1)
			got := calls[0]
			require.Equal(t, tc.parent.TraceID(), got.SpanContext.TraceID(), "call span is in the parent's trace")
			require.Equal(t, tc.parent.SpanID(), got.Parent.SpanID(), "call span's parent")
			require.True(t, got.Parent.IsRemote())
			if tc.traceparent == "" {
				require.Equal(t, header.String(), got.Parent.TraceState().String(), "the server's tracestate is kept")
			}
			var links []trace.SpanContext
			for _, l := range got.Links {
				links = append(links, l.SpanContext.WithRemote(false))
			}
			var want []trace.SpanContext
			for _, l := range tc.links {
				want = append(want, l.WithRemote(false))
			}
			require.Equal(t, want, links)
			steps := named(spans, "inngest.step A")
			require.Len(t, steps, 1)
			require.Equal(t, got.SpanContext.SpanID(), steps[0].Parent.SpanID(), "step span is a child of the call span")
		})
	}
}
