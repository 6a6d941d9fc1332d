package step

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// FetchRequest is an HTTP request for Fetch. The zero Method is GET.
type FetchRequest struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute URL to request.
	URL string
	// Header holds the request headers; several values of one header are
	// sent joined with ",".
	Header http.Header
	// Body is the request body; empty sends none. As on the server, a body
	// that is not valid JSON is sent JSON-encoded as a string.
	Body []byte
}

// FetchResponse is the recorded answer of a Fetch.
type FetchResponse struct {
	// URL is the URL that was requested.
	URL string
	// StatusCode is the HTTP status code.
	StatusCode int
	// Header holds the response headers (values of one header joined with ",").
	Header http.Header
	// Body is the response body.
	Body []byte
}

// FetchStatusError is returned by Fetch and FetchJSON when the answer was not
// 2xx; the response is returned too.
type FetchStatusError struct {
	// StepID is the step's id.
	StepID string
	// StatusCode is the answer's status.
	StatusCode int
	// Body is the answer's body.
	Body []byte
}

// Error describes the answer.
func (e *FetchStatusError) Error() string {
	return fmt.Sprintf("inngest: fetch step %q: status %d: %.200s", e.StepID, e.StatusCode, e.Body)
}

// FetchTransportError is returned by Fetch when Inngest could not make the
// request at all (DNS, connection, timeout) and gave up.
type FetchTransportError struct {
	// StepID is the step's id.
	StepID string
	// Message is the server's description of the failure.
	Message string
}

// Error describes the failure.
func (e *FetchTransportError) Error() string {
	return fmt.Sprintf("inngest: fetch step %q failed: %s", e.StepID, e.Message)
}

// gatewayOpts are the opts of a Gateway op.
type gatewayOpts struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// gatewayResult is the memoized answer of a Gateway op (inside {"data"}).
type gatewayResult struct {
	URL        string            `json:"url"`
	StatusCode int               `json:"status_code"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// Fetch has Inngest make the HTTP request req (a Gateway op) and memoizes the
// answer: the function is suspended while the request is in flight and
// later replays return the recorded response without a new request. A non-2xx
// answer returns the response and a *FetchStatusError; a request Inngest could
// not make returns a *FetchTransportError (the server retries it first while
// the call has attempts left).
func Fetch(ctx context.Context, id string, req FetchRequest) (FetchResponse, error) {
	if req.URL == "" {
		return FetchResponse{}, inngest.NoRetry(fmt.Errorf("inngest: fetch step %q: empty URL", id))
	}
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return FetchResponse{}, err
	}
	if raw, ok := s.Memo(); ok {
		res, err := decodeMemo[gatewayResult](&s, raw)
		var se *inngest.StepError
		if errors.As(err, &se) {
			return FetchResponse{}, &FetchTransportError{StepID: id, Message: se.Message}
		}
		if err != nil {
			return FetchResponse{}, err
		}
		out := FetchResponse{URL: res.URL, StatusCode: res.StatusCode, Header: http.Header{}, Body: []byte(res.Body)}
		for k, v := range res.Headers {
			out.Header[http.CanonicalHeaderKey(k)] = []string{v}
		}
		if out.StatusCode/100 != 2 {
			return out, &FetchStatusError{StepID: id, StatusCode: out.StatusCode, Body: out.Body}
		}
		return out, nil
	}
	if err := s.DecideAsync(); err != nil {
		return FetchResponse{}, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	o := gatewayOpts{URL: req.URL, Method: strings.ToUpper(method), Body: string(req.Body)}
	if len(req.Header) > 0 {
		o.Headers = make(map[string]string, len(req.Header))
		for k, v := range req.Header {
			o.Headers[k] = strings.Join(v, ",")
		}
	}
	b, _ := jsoncodec.Marshal(o)
	s.Stop(&wire.Op{Op: wire.OpGateway, ID: s.Hash, Name: id, DisplayName: id, Opts: b, Userland: s.Userland()})
	return FetchResponse{}, nil
}

// FetchJSON is Fetch that decodes a 2xx answer's JSON body into T. A body
// that does not decode is a non-retriable error.
func FetchJSON[T any](ctx context.Context, id string, req FetchRequest) (T, FetchResponse, error) {
	var out T
	res, err := Fetch(ctx, id, req)
	if err != nil {
		return out, res, err
	}
	if err := jsoncodec.Unmarshal(res.Body, &out); err != nil {
		return out, res, inngest.NoRetry(fmt.Errorf("inngest: fetch step %q: decoding the body: %w", id, err))
	}
	return out, res, nil
}

// FetchTransport returns an http.RoundTripper that sends every request
// through Fetch, so that an http.Client using it makes durable requests:
//
//	hc := &http.Client{Transport: step.FetchTransport(ctx)}
//
// Each request is a step whose id is "METHOD URL" (repeats are numbered as
// usual). Use it only where a step may be called (the function's body, not
// inside step.Run). Non-2xx answers are returned as responses, as net/http
// does; a request Inngest could not make is an error wrapping
// *FetchTransportError.
func FetchTransport(ctx context.Context) http.RoundTripper { return fetchTransport{ctx: ctx} }

// FetchClient returns an http.Client whose requests go through Fetch (see
// FetchTransport).
func FetchClient(ctx context.Context) *http.Client {
	return &http.Client{Transport: FetchTransport(ctx)}
}

type fetchTransport struct{ ctx context.Context }

// RoundTrip performs r through Fetch.
func (t fetchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	u := r.URL.String()
	res, err := Fetch(t.ctx, method+" "+u, FetchRequest{Method: method, URL: u, Header: r.Header, Body: body})
	var se *FetchStatusError
	if err != nil && !errors.As(err, &se) {
		return nil, err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode)),
		StatusCode:    res.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        res.Header,
		Body:          io.NopCloser(bytes.NewReader(res.Body)),
		ContentLength: int64(len(res.Body)),
		Request:       r,
	}, nil
}
