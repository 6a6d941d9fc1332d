package durable

import (
	"bytes"
	"net/http"
	"time"
)

// recorder buffers the handler's response: the client gets it only once the
// run's outcome is known (and only from a call that finished the handler).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

// Header implements http.ResponseWriter.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader implements http.ResponseWriter; only the first call counts.
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Write implements http.ResponseWriter.
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// result is the response as the run's result.
func (r *recorder) result(d time.Duration) apiResult {
	res := apiResult{Status: r.statusCode(), Body: r.body.String(), Duration: int64(d)}
	if len(r.header) > 0 {
		res.Headers = make(map[string]string, len(r.header))
		for k, v := range r.header {
			if len(v) > 0 {
				res.Headers[k] = v[0]
			}
		}
	}
	return res
}

// writeTo sends the buffered response to w.
func (r *recorder) writeTo(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	w.WriteHeader(r.statusCode())
	_, _ = w.Write(r.body.Bytes())
}
