package devui

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

type runsData struct {
	Rows                 []runRow
	Functions            []string
	Statuses             []runtype.Status
	Since                []string
	Fn, Status, SinceSel string
	Refresh              int64
	// Older and Newer link to the pages on either side ("" at an end);
	// Paged says the page is not the newest one.
	Older, Newer string
	Paged        bool
	PerPage      int
}

// runsPage lists runs newest first, a page of Options.Limit at a time (read
// with engine.Engine.ListRuns, so the cost is the page's, not the number of
// runs stored), filtered by ?fn=, ?status= and ?since= (a duration);
// ?before= and ?after= are the cursors of the pages on either side, which
// the page links to. ?rows=1 answers only the table rows (for the live
// refresh).
func (u *ui) runsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := runsData{Fn: q.Get("fn"), Status: q.Get("status"), SinceSel: q.Get("since"),
		Statuses: statuses, Since: sinceChoices, Refresh: u.opts.Refresh.Milliseconds(), PerPage: u.opts.Limit}
	rq := enginestore.RunQuery{FunctionID: d.Fn, Status: runtype.Status(d.Status),
		Before: q.Get("before"), After: q.Get("after"), Limit: u.opts.Limit}
	d.Paged = rq.Before != "" || rq.After != ""
	apps, err := u.eng.Apps()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, a := range apps {
		for _, f := range a.Functions {
			d.Functions = append(d.Functions, f.ID)
		}
	}
	if d.SinceSel != "" {
		dur, err := time.ParseDuration(d.SinceSel)
		if err != nil || dur <= 0 {
			u.render(w, http.StatusBadRequest, "runs", page{Title: "Runs", Nav: "runs", Error: "since must be a positive duration such as 1h", Data: d})
			return
		}
		rq.StartedSince = u.eng.Now().Add(-dur)
	}
	p, err := u.eng.ListRuns(rq)
	switch {
	case errors.Is(err, engine.ErrRunCursor):
		u.render(w, http.StatusBadRequest, "runs", page{Title: "Runs", Nav: "runs",
			Error: "before and after must be the cursors of the Older and Newer links (one at a time)", Data: d})
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, run := range p.Runs {
		d.Rows = append(d.Rows, u.row(run))
	}
	if p.Older != "" {
		d.Older = pageLink(q, "before", p.Older)
	}
	if p.Newer != "" {
		d.Newer = pageLink(q, "after", p.Newer)
	}
	if q.Get("rows") == "1" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = u.pages["rows"].ExecuteTemplate(w, "rows", d)
		return
	}
	u.render(w, http.StatusOK, "runs", page{Title: "Runs", Nav: "runs", Flash: flash(q), Data: d})
}

// pageLink is the runs page's URL with q's filters and one cursor.
func pageLink(q url.Values, key, cursor string) string {
	v := url.Values{}
	for _, k := range []string{"fn", "status", "since"} {
		if s := q.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	v.Set(key, cursor)
	return "/?" + v.Encode()
}
