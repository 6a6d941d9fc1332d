package devui_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// runIDs are the run links of a runs page, in order.
func runIDs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr class="run" data-id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// link is the href of the element with this id, or "".
func link(body, id string) string {
	m := regexp.MustCompile(`<a href="([^"]+)"[^>]* id="` + id + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestRunsPages walks five runs two a page: Older and Newer links go both
// ways, keep the filters, and a cursor that no page gave is a 400.
func TestRunsPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ui := httptest.NewServer(devui.Handler(f.eng, devui.Options{Limit: 2}))
	t.Cleanup(ui.Close)
	var want []string // newest first
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		ev := f.env.Send(t, greetEv.New(Greeting{Name: name}))[0]
		want = append([]string{f.waitRun(t, ev, runtype.StatusCompleted).ID}, want...)
	}
	napID := f.env.Send(t, napEv.New(Greeting{Name: "z"}))[0]
	nap := f.waitRun(t, napID, runtype.StatusRunning)

	st, body := get(t, ui.URL+"/?fn=demo-greet")
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, want[:2], runIDs(body))
	require.Empty(t, link(body, "newer"))
	older := link(body, "older")
	require.Contains(t, older, "fn=demo-greet", "the filter is kept")

	_, body = get(t, ui.URL+older)
	require.Equal(t, want[2:4], runIDs(body))
	require.NotEmpty(t, link(body, "newer"))
	_, last := get(t, ui.URL+link(body, "older"))
	require.Equal(t, want[4:], runIDs(last))
	require.Empty(t, link(last, "older"), "no run is older")
	_, back := get(t, ui.URL+link(last, "newer"))
	require.Equal(t, want[2:4], runIDs(back), "Newer goes back a page")
	_, rows := get(t, ui.URL+link(last, "newer")+"&rows=1")
	require.Equal(t, want[2:4], runIDs(rows), "the live refresh reloads the page it is on")

	_, all := get(t, ui.URL+"/")
	require.Equal(t, []string{nap.ID, want[0]}, runIDs(all), "unfiltered, the sleeping run is the newest")

	for _, q := range []string{"/?before=nope", "/?after=r", "/?before=r1&after=r1"} {
		st, body := get(t, ui.URL+q)
		require.Equal(t, http.StatusBadRequest, st, q)
		require.Contains(t, body, "cursors of the Older and Newer links", q)
	}
}

// TestRunWaterfall draws a finished run's calls and steps, and a sleeping
// run's sleep as a bar still open.
func TestRunWaterfall(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	done := f.waitRun(t, f.env.Send(t, greetEv.New(Greeting{Name: "Ada"}))[0], runtype.StatusCompleted)
	st, body := get(t, f.ui.URL+"/runs/"+done.ID)
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, `<svg id="waterfall"`)
	svg := body[strings.Index(body, `<svg id="waterfall"`):strings.Index(body, "</svg>")]
	labels := regexp.MustCompile(`<text x="0" y="\d+">([^<]+)</text>`).FindAllStringSubmatch(svg, -1)
	var got []string
	for _, l := range labels {
		got = append(got, l[1])
	}
	require.Contains(t, got, "call: function")
	require.Contains(t, got, "step: compose")
	require.Contains(t, got, "step: count")
	require.Equal(t, "call: function", got[0], "the first call starts the run")
	require.NotContains(t, svg, ` open"`, "a finished run has no open bar")
	require.Contains(t, body, "<h2>Timeline</h2>", "the table stays")
	require.Contains(t, body, `<table class="list timeline">`)

	nap := f.waitRun(t, f.env.Send(t, napEv.New(Greeting{Name: "Bob"}))[0], runtype.StatusRunning)
	f.env.Advance(time.Minute)
	_, body = get(t, f.ui.URL+"/runs/"+nap.ID)
	require.Contains(t, body, `<g class="bar b-sleep open"><title>step: nap: &#43;0s, 1m0s so far (Sleep)</title>`+
		`<text x="0" y="55">step: nap</text><rect x="28.000%" y="43" width="72.000%"`,
		"the sleep began with the run (a virtual clock: no time passed) and spans the minute since")
}
