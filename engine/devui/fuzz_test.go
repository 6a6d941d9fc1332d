package devui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
)

// FuzzSendForm posts arbitrary names and data to the send form: the answer
// is a redirect (sent) or a 400 page, never a server error (TestEscaping
// checks that the input comes back escaped).
func FuzzSendForm(f *testing.F) {
	f.Add("demo/user.greeted", `{"name":"Ada"}`)
	f.Add("", `{}`)
	f.Add("<b>x</b>", `{"a":"<script>"}`)
	f.Add("a/b", `[1]`)
	f.Add("a/b", `{"a":1} trailing`)
	f.Add("a/b", "{\"a\":\"\xff\"}")
	eng, err := engine.New(engine.Options{Retention: -1})
	if err != nil {
		f.Fatal(err)
	}
	defer eng.Close()
	h := devui.Handler(eng, devui.Options{Limit: 5})
	f.Fuzz(func(t *testing.T, name, data string) {
		req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(url.Values{"name": {name}, "data": {data}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther, http.StatusBadRequest:
		default:
			t.Fatalf("status %d for name %q data %q: %s", rec.Code, name, data, rec.Body)
		}
	})
}
