package devui_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	if code == 0 {
		http.DefaultClient.CloseIdleConnections()
		noRedirect.CloseIdleConnections()
		if err := goleak.Find(); err != nil {
			println("goleak:", err.Error())
			code = 1
		}
	}
	exit(code)
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, u string, form url.Values, hdr map[string]string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// TestPagesWithoutJavaScript reads every page as plain HTML: runs (with
// filters and the rows fragment), a run with its steps and output, events
// with the runs they started, apps with triggers and flow control.
func TestPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	done := f.env.Send(t, greetEv.New(Greeting{Name: "Ada"}))[0]
	run := f.waitRun(t, done, runtype.StatusCompleted)
	napID := f.env.Send(t, napEv.New(Greeting{Name: "Bob"}))[0]
	f.waitRun(t, napID, runtype.StatusRunning)

	st, body := get(t, f.ui.URL+"/")
	require.Equal(t, http.StatusOK, st)
	for _, s := range []string{"demo-greet", "demo/user.greeted", "Completed", "demo-nap", "Running", `/runs/` + run.ID, `src="/ui.js"`} {
		require.Contains(t, body, s)
	}
	require.Less(t, strings.Index(body, "demo-nap"), strings.Index(body, "/runs/"+run.ID), "newest first")

	_, body = get(t, f.ui.URL+"/?status=Completed")
	require.Contains(t, body, run.ID)
	require.NotContains(t, body, `data-status="Running"`)
	_, body = get(t, f.ui.URL+"/?fn=demo-nap&since=1h")
	require.NotContains(t, body, run.ID)
	require.Contains(t, body, `data-status="Running"`)
	st, _ = get(t, f.ui.URL+"/?since=soon")
	require.Equal(t, http.StatusBadRequest, st)
	st, body = get(t, f.ui.URL+"/?rows=1")
	require.Equal(t, http.StatusOK, st)
	require.True(t, strings.HasPrefix(body, "<tr"), body)
	require.NotContains(t, body, "<html")

	st, body = get(t, f.ui.URL+"/runs/"+run.ID)
	require.Equal(t, http.StatusOK, st)
	for _, s := range []string{`data-step="compose"`, `data-step="count"`, "hello Ada", "&#34;message&#34;: &#34;hello Ada&#34;", `id="rerun"`, "Timeline", "completed"} {
		require.Contains(t, body, s)
	}
	require.NotContains(t, body, `id="cancel"`)
	st, _ = get(t, f.ui.URL+"/runs/01M8KMTE317KXQRV4GJHDYMEV8")
	require.Equal(t, http.StatusNotFound, st)

	st, body = get(t, f.ui.URL+"/events")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, `id="ev-`+done+`"`)
	require.Contains(t, body, `/runs/`+run.ID)
	require.Contains(t, body, `/events/`+done+`/resend`)
	require.Less(t, strings.Index(body, napID), strings.Index(body, done), "newest first")

	st, body = get(t, f.ui.URL+"/apps")
	require.Equal(t, http.StatusOK, st)
	for _, s := range []string{"demo-greet", "demo-nap", "demo/user.napped", "&#34;concurrency&#34;", "/apps/demo/sync", "last sync 2"} {
		require.Contains(t, body, s)
	}

	for _, p := range []string{"/ui.css", "/ui.js"} {
		resp, err := http.Get(f.ui.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	resp, err := http.Get(f.ui.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")

	st, body = get(t, f.ui.URL+"/health")
	require.Equal(t, http.StatusOK, st, "the API is served behind the UI")
	require.Contains(t, body, "OK")
}

// TestEscaping sends user data that looks like markup; every page shows it
// as text.
func TestEscaping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	id := f.env.Send(t, greetEv.New(Greeting{Name: evil}))[0]
	run := f.waitRun(t, id, runtype.StatusCompleted)
	for _, p := range []string{"/", "/runs/" + run.ID, "/events", "/?rows=1"} {
		_, body := get(t, f.ui.URL+p)
		require.NotContains(t, body, "<script>alert", p)
		require.NotContains(t, body, "<img src=x", p)
		if p != "/" && p != "/?rows=1" {
			require.Contains(t, body, "&lt;script&gt;alert(", p)
		}
	}
	st, _, body := post(t, f.ui.URL+"/events", url.Values{"name": {`<b>x</b>`}, "data": {`{"a":"<script>"`}}, nil)
	require.Equal(t, http.StatusBadRequest, st)
	require.NotContains(t, body, "<b>x</b>")
	require.Contains(t, body, "&lt;b&gt;x&lt;/b&gt;", "the form keeps the input, escaped")
}

// TestSendForm checks the send form's validation and its redirect.
func TestSendForm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"", `{}`, "The event needs a name."},
		{"demo/user.greeted", `{"name":`, "The data must be one JSON object"},
		{"demo/user.greeted", `[1,2]`, "The data must be one JSON object"},
		{"demo/user.greeted", `{} {}`, "The data must be one JSON object"},
		{"demo/user.greeted", `null`, "The data must be one JSON object"},
	} {
		st, _, body := post(t, f.ui.URL+"/events", url.Values{"name": {tc.name}, "data": {tc.data}}, nil)
		require.Equal(t, http.StatusBadRequest, st, tc.data)
		require.Contains(t, body, tc.want, tc.data)
	}
	require.Empty(t, must(f.eng.Events(10)), "nothing was sent")

	st, loc, _ := post(t, f.ui.URL+"/events", url.Values{"name": {"demo/user.greeted"}, "data": {`{"name":"Cy"}`}}, nil)
	require.Equal(t, http.StatusSeeOther, st)
	require.True(t, strings.HasPrefix(loc, "/?sent="), loc)
	evs := must(f.eng.Events(10))
	require.Len(t, evs, 1)
	run := f.waitRun(t, evs[0].ID, runtype.StatusCompleted)
	require.JSONEq(t, `{"message":"hello Cy","length":"8"}`, string(run.Output))

	st, loc, _ = post(t, f.ui.URL+"/events/"+evs[0].ID+"/resend", nil, nil)
	require.Equal(t, http.StatusSeeOther, st, loc)
	evs = must(f.eng.Events(10))
	require.Len(t, evs, 2)
	require.NotEqual(t, evs[0].ID, evs[1].ID)
	f.waitRun(t, evs[0].ID, runtype.StatusCompleted)
	st, _, _ = post(t, f.ui.URL+"/events/nope/resend", nil, nil)
	require.Equal(t, http.StatusNotFound, st)
}

// TestRunActions cancels a sleeping run, re-runs a finished one, advances
// the virtual clock past a sleep and re-syncs the app, all through the
// forms.
func TestRunActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	napID := f.env.Send(t, napEv.New(Greeting{Name: "a"}))[0]
	sleeping := f.waitRun(t, napID, runtype.StatusRunning)
	_, body := get(t, f.ui.URL+"/runs/"+sleeping.ID)
	require.Contains(t, body, "sleeps until 2")
	require.Contains(t, body, `id="cancel"`)
	st, loc, _ := post(t, f.ui.URL+"/runs/"+sleeping.ID+"/cancel", nil, nil)
	require.Equal(t, http.StatusSeeOther, st)
	require.True(t, strings.HasPrefix(loc, "/runs/"+sleeping.ID), loc)
	f.waitRun(t, napID, runtype.StatusCancelled)
	st, _, _ = post(t, f.ui.URL+"/runs/01M8KMTE317KXQRV4GJHDYMEV8/cancel", nil, nil)
	require.Equal(t, http.StatusNotFound, st)

	st, loc, _ = post(t, f.ui.URL+"/runs/"+sleeping.ID+"/rerun", nil, nil)
	require.Equal(t, http.StatusSeeOther, st)
	newID := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/runs/")
	require.NotEqual(t, sleeping.ID, newID)
	require.Eventually(t, func() bool { r, _ := f.eng.Run(newID); return r.Status == runtype.StatusRunning && f.eng.Idle() }, 10*time.Second, 5*time.Millisecond)

	before := f.eng.Now()
	st, loc, _ = post(t, f.ui.URL+"/clock/advance", url.Values{"by": {"2h"}}, map[string]string{"Referer": f.ui.URL + "/runs/" + newID})
	require.Equal(t, http.StatusSeeOther, st)
	require.Equal(t, "/runs/"+newID, loc)
	require.Equal(t, 2*time.Hour, f.eng.Now().Sub(before))
	fin, err := f.eng.WaitForRun(t.Context(), newID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, fin.Status, "the sleep passed")
	st, _, _ = post(t, f.ui.URL+"/clock/advance", url.Values{"by": {"-1h"}}, nil)
	require.Equal(t, http.StatusBadRequest, st)

	st, loc, _ = post(t, f.ui.URL+"/apps/demo/sync", nil, nil)
	require.Equal(t, http.StatusSeeOther, st)
	require.Contains(t, loc, "note=Synced")
	st, _, _ = post(t, f.ui.URL+"/apps/nope/sync", nil, nil)
	require.Equal(t, http.StatusNotFound, st)
}

// TestWaitsAndInvokes shows a wait's event, expression and expiry, and links
// an invoke to its child run and back.
func TestWaitsAndInvokes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := f.waitRun(t, f.env.Send(t, waitEv.New(Greeting{Name: "Di"}))[0], runtype.StatusRunning)
	_, body := get(t, f.ui.URL+"/runs/"+w.ID)
	require.Contains(t, body, "waits for <code>demo/user.approved</code> if <code>async.data.name == event.data.name</code> until 2")

	pID := f.env.Send(t, parentEv.New(Greeting{Name: "Eve"}))[0]
	p := f.waitRun(t, pID, runtype.StatusCompleted)
	var child runtype.Run
	for _, r := range must(f.eng.Runs()) {
		if r.ParentRunID == p.ID {
			child = r
		}
	}
	require.NotEmpty(t, child.ID)
	_, body = get(t, f.ui.URL+"/runs/"+p.ID)
	require.Contains(t, body, `invoked run <a href="/runs/`+child.ID+`"`)
	_, body = get(t, f.ui.URL+"/runs/"+child.ID)
	require.Contains(t, body, `Invoked by`)
	require.Contains(t, body, `/runs/`+p.ID)
}

// TestCrossSitePostRefused: a form posted from another site is refused.
func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}} {
		st, _, _ := post(t, f.ui.URL+"/events", url.Values{"name": {"demo/user.greeted"}, "data": {"{}"}}, h)
		require.Equal(t, http.StatusForbidden, st, h)
	}
	require.Empty(t, must(f.eng.Events(10)))
	st, _, _ := post(t, f.ui.URL+"/events", url.Values{"name": {"demo/user.greeted"}, "data": {"{}"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	require.Equal(t, http.StatusSeeOther, st)
	req, _ := http.NewRequest(http.MethodGet, f.ui.URL+"/runs/x/cancel", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.NotEqual(t, http.StatusOK, resp.StatusCode, "actions are POST only")
}

// TestSigningKeyTurnsUIOff: with a signing key the UI pages answer 403 and
// the API still requires the key.
func TestSigningKeyTurnsUIOff(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{SigningKey: "signkey-test-0123456789abcdef"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptestServer(t, devui.Handler(eng, devui.Options{}))
	for _, p := range []string{"/", "/events", "/apps", "/runs/01M8KMTE317KXQRV4GJHDYMEV8"} {
		st, body := get(t, srv+p)
		require.Equal(t, http.StatusForbidden, st, p)
		require.Contains(t, body, "signing key", p)
	}
	st, _, _ := post(t, srv+"/events", url.Values{"name": {"x/y"}}, nil)
	require.Equal(t, http.StatusForbidden, st)
	st, _ = get(t, srv+"/dev")
	require.Equal(t, http.StatusUnauthorized, st)
	st, _ = get(t, srv+"/health")
	require.Equal(t, http.StatusOK, st)
}

// TestRealClockCannotBeAdvanced: on the real clock the header shows the time
// without the advance form, and the action is refused.
func TestRealClockCannotBeAdvanced(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptestServer(t, devui.Handler(eng, devui.Options{}))
	st, body := get(t, srv+"/")
	require.Equal(t, http.StatusOK, st)
	require.NotContains(t, body, `id="advance"`)
	require.Contains(t, body, "No runs yet")
	st, _, _ = post(t, srv+"/clock/advance", url.Values{"by": {"1h"}}, nil)
	require.Equal(t, http.StatusConflict, st)
	st, body = get(t, srv+"/apps")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "No app has synced yet")
}
