package devui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// pageNames are the templates that are whole pages (each with layout.html).
var pageNames = []string{"runs", "run", "events", "apps", "realtime", "workers"}

var funcs = template.FuncMap{
	"when":   func(t time.Time) string { return when(t) },
	"pretty": pretty,
	"lower":  strings.ToLower,
	"rowsOf": func(rs []runRow) runsData { return runsData{Rows: rs} },
}

func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		out[n] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/rows.html", "templates/"+n+".html"))
	}
	out["rows"] = template.Must(template.New("rows.html").Funcs(funcs).ParseFS(files, "templates/rows.html"))
	return out
}

// when formats an engine time, or "" for the zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000")
}

// pretty indents JSON for display; what is not JSON is shown as it is.
func pretty(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var out bytes.Buffer
	if err := jsoncodec.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// unwrapData returns X for a memoized step result {"data": X}, the result
// otherwise.
func unwrapData(b []byte) []byte {
	var m map[string]json.RawMessage
	if jsoncodec.Unmarshal(b, &m) == nil && len(m) == 1 && m["data"] != nil {
		return m["data"]
	}
	return b
}

// clockView is the clock shown on every page.
type clockView struct {
	Virtual bool
	Auto    bool
	Now     string
}

// page is what every page template gets.
type page struct {
	Title string
	Nav   string
	Clock clockView
	Flash string
	Error string
	Data  any
}

func (u *ui) clock() clockView {
	c := u.eng.Clock()
	v := clockView{Now: when(c.Now())}
	if _, ok := c.(Advancer); ok {
		v.Virtual = true
	}
	if a, ok := c.(interface{ AutoAdvance() bool }); ok {
		v.Auto = a.AutoAdvance()
	}
	return v
}

func (u *ui) render(w http.ResponseWriter, status int, name string, p page) {
	p.Clock = u.clock()
	var buf bytes.Buffer
	if err := u.pages[name].Execute(&buf, p); err != nil {
		http.Error(w, "inngest: render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// runRow is one line of the runs list.
type runRow struct {
	ID, Function, Event, Status, Started, Duration string
}

func (u *ui) row(r runtype.Run) runRow {
	return runRow{ID: r.ID, Function: r.FunctionID, Event: eventName(r), Status: string(r.Status),
		Started: when(r.StartedAt), Duration: duration(r, u.eng.Now())}
}

// eventName is the name of a run's first triggering event.
func eventName(r runtype.Run) string {
	if len(r.Events) == 0 {
		return ""
	}
	var ev struct {
		Name string `json:"name"`
	}
	_ = jsoncodec.Unmarshal(r.Events[0], &ev)
	if len(r.Events) > 1 {
		return ev.Name + " (batch)"
	}
	return ev.Name
}

// duration is how long a run took, or has been going on.
func duration(r runtype.Run, now time.Time) string {
	end := r.EndedAt
	if end.IsZero() {
		end = now
	}
	d := end.Sub(r.StartedAt)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// statuses lists the run statuses, for the filter.
var statuses = []runtype.Status{runtype.StatusQueued, runtype.StatusRunning, runtype.StatusCompleted, runtype.StatusFailed, runtype.StatusCancelled}

// sinceChoices are the time filter's options.
var sinceChoices = []string{"5m", "1h", "24h", "168h"}

// flash is the notice an action leaves in the redirect's query.
func flash(q map[string][]string) string {
	if v := q["sent"]; len(v) > 0 {
		return "Event " + v[0] + " sent."
	}
	if v := q["note"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// stepView is one step of a run.
type stepView struct {
	Name, ID, Op, State string
	Attempts            int
	Output, Error       string
	Retried             string
	Due                 string
	Wait                *runtype.WaitInfo
	Child               string
}

// historyView is one timeline entry.
type historyView struct {
	Time, Kind, Step, Detail string
	Status                   int
	// Via is the call's transport ("HTTP", "Connect"), with the Connect
	// worker's instance and connection when known.
	Via, Instance, Connection string
}

// viaLabels name the transports of runtype.HistoryItem.Transport.
var viaLabels = map[string]string{runtype.TransportHTTP: "HTTP", runtype.TransportConnect: "Connect"}

// historyRows lists a run's timeline entries, with a row saying how many
// were dropped after the first runtype.HistoryHead when the run outgrew
// runtype.MaxHistory.
func historyRows(run runtype.Run) []historyView {
	out := make([]historyView, 0, len(run.History)+1)
	for i, h := range run.History {
		if i == runtype.HistoryHead && run.HistoryDropped > 0 {
			out = append(out, droppedRow(run.HistoryDropped))
		}
		out = append(out, historyView{Time: when(h.Time), Kind: h.Kind, Step: h.StepID, Status: h.Status, Detail: h.Detail,
			Via: viaLabels[h.Transport], Instance: h.InstanceID, Connection: h.ConnectionID})
	}
	if len(run.History) <= runtype.HistoryHead && run.HistoryDropped > 0 {
		out = append(out, droppedRow(run.HistoryDropped))
	}
	return out
}

func droppedRow(n int) historyView {
	return historyView{Kind: "dropped", Detail: fmt.Sprintf("%d entries not kept (a run keeps its first %d and its latest, %d in all)",
		n, runtype.HistoryHead, runtype.MaxHistory)}
}

type runData struct {
	Run      runtype.Run
	Row      runRow
	Steps    []stepView
	History  []historyView
	Output   string
	Events   []string
	Children []runRow
	// MoreChildren says that the run invoked more runs than Children
	// lists (the newest Options.Limit).
	MoreChildren bool
	Waterfall    waterfall
	Done         bool
}

func (u *ui) runPage(w http.ResponseWriter, r *http.Request) {
	run, err := u.eng.Run(r.PathValue("id"))
	if err != nil && !errors.Is(err, engine.ErrRunNotFound) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err != nil {
		u.render(w, http.StatusNotFound, "runs", page{Title: "Run not found", Nav: "runs", Error: "No run " + r.PathValue("id") + ".", Data: runsData{}})
		return
	}
	d := runData{Run: run, Row: u.row(run), Output: pretty(run.Output), Done: run.Status.Done()}
	names := map[string]string{}
	due := map[string]string{}
	invoked := map[string]string{} // step → invoked function
	childOf := map[string]string{} // step → child run, once it ended
	d.History = historyRows(run)
	for _, h := range run.History {
		switch h.Kind {
		case "sleep":
			if dur, err := time.ParseDuration(h.Detail); err == nil {
				due[h.StepID] = when(h.Time.Add(dur))
			}
		case "invoke":
			if fn, ok := strings.CutPrefix(h.Detail, "invoking "); ok {
				invoked[h.StepID] = fn
			} else if rest, ok := strings.CutPrefix(h.Detail, "invoked run "); ok {
				childOf[h.StepID], _, _ = strings.Cut(rest, " ")
			}
		}
	}
	kids, err := u.eng.ListRuns(enginestore.RunQuery{ParentRunID: run.ID, Limit: u.opts.Limit})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	children := kids.Runs
	for _, c := range children {
		d.Children = append(d.Children, u.row(c))
	}
	d.MoreChildren = kids.Older != ""
	d.Waterfall = waterfallOf(run, u.eng.Now())
	waits := map[string]*runtype.WaitInfo{}
	for i := range run.Waits {
		waits[run.Waits[i].StepID] = &run.Waits[i]
	}
	for _, s := range run.Steps {
		names[s.ID] = s.Name
		v := stepView{Name: s.Name, ID: s.ID, Op: s.Op, Attempts: s.Attempts, Due: due[s.ID], Wait: waits[s.ID]}
		switch {
		case s.Error != nil:
			v.State = "Failed"
			b, _ := jsoncodec.Marshal(s.Error)
			v.Error = pretty(b)
		case s.Done:
			v.State = "Completed"
			v.Output = pretty(unwrapData(s.Result))
			if s.Op == string(wire.OpSleep) && v.Output == "null" {
				v.Output = "" // a sleep has no value
			}
		default:
			v.State = "Running"
		}
		if s.LastError != nil && s.Error == nil {
			v.Retried = s.LastError.Name + ": " + s.LastError.Message
		}
		if id, ok := childOf[s.ID]; ok {
			v.Child = id
		} else if fn, ok := invoked[s.ID]; ok {
			for _, c := range children {
				if c.FunctionID == fn || strings.HasSuffix(c.FunctionID, "-"+fn) {
					v.Child = c.ID
				}
			}
		}
		d.Steps = append(d.Steps, v)
	}
	for i := range d.History {
		if n, ok := names[d.History[i].Step]; ok {
			d.History[i].Step = n
		}
	}
	for _, ev := range run.Events {
		d.Events = append(d.Events, pretty(ev))
	}
	if run.Error != nil {
		d.Row.Event = eventName(run)
	}
	q := r.URL.Query()
	u.render(w, http.StatusOK, "run", page{Title: "Run " + run.ID, Nav: "runs", Flash: flash(q), Data: d})
}

// eventView is one event of the events page.
type eventView struct {
	ID, Name, Received, Payload string
	Runs                        []runRow
}

type eventsData struct {
	Events   []eventView
	FormName string
	FormData string
}

func (u *ui) eventsData() (eventsData, error) {
	d := eventsData{FormData: "{}"}
	evs, err := u.eng.Events(u.opts.Limit)
	if err != nil {
		return d, err
	}
	for _, ev := range evs {
		v := eventView{ID: ev.ID, Name: ev.Name, Received: when(ev.ReceivedAt), Payload: pretty(ev.Raw)}
		runs, err := u.eng.RunsForEvent(ev.ID)
		if err != nil {
			return d, err
		}
		for _, r := range runs {
			v.Runs = append(v.Runs, u.row(r))
		}
		d.Events = append(d.Events, v)
	}
	return d, nil
}

func (u *ui) eventsPage(w http.ResponseWriter, r *http.Request) {
	d, err := u.eventsData()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	u.render(w, http.StatusOK, "events", page{Title: "Events", Nav: "events", Flash: flash(r.URL.Query()), Data: d})
}

type appView struct {
	engine.AppInfo
	Synced    string
	Functions []fnView
}

type fnView struct {
	ID, Name string
	Triggers []engine.TriggerInfo
	Config   string
}

func (u *ui) appsPage(w http.ResponseWriter, r *http.Request) {
	infos, err := u.eng.Apps()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var apps []appView
	for _, a := range infos {
		v := appView{AppInfo: a, Synced: when(a.SyncedAt)}
		for _, f := range a.Functions {
			v.Functions = append(v.Functions, fnView{ID: f.ID, Name: f.Name, Triggers: f.Triggers, Config: pretty(f.Config)})
		}
		apps = append(apps, v)
	}
	q := r.URL.Query()
	p := page{Title: "Apps", Nav: "apps", Flash: flash(q), Data: apps}
	if v := q["err"]; len(v) > 0 {
		p.Error = v[0]
	}
	u.render(w, http.StatusOK, "apps", p)
}
