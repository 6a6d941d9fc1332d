package devui_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

func exit(code int) { os.Exit(code) }

func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
