package serve

import (
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"net/http"
	"strconv"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// writeError writes a JSON error body with the retry headers the server reads.
func writeError(w http.ResponseWriter, status int, name, msg string, noRetry bool) {
	w.Header().Set(wire.HeaderNoRetry, strconv.FormatBool(noRetry))
	writeJSON(w, status, exec.ErrorResponse(status, name, msg, "", noRetry, time.Time{}).Body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// retryAfterValue renders a Retry-After header: seconds from now, clamped to 1 s … 24 h.
func retryAfterValue(at, now time.Time) string {
	d := at.Sub(now)
	if d < time.Second {
		d = time.Second
	}
	if d > 24*time.Hour {
		d = 24 * time.Hour
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
