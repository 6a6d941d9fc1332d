package devui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// maxForm bounds a form body (an event's data included).
const maxForm = 1 << 20

// seeOther redirects after a POST to path with a notice.
func seeOther(w http.ResponseWriter, r *http.Request, path, key, value string) {
	if value != "" {
		path += "?" + url.Values{key: {value}}.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

func (u *ui) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := u.eng.CancelRun(r.Context(), id)
	switch {
	case errors.Is(err, engine.ErrRunNotFound):
		http.Error(w, "inngest: no run "+id, http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	default:
		seeOther(w, r, "/runs/"+url.PathEscape(id), "note", "Cancel requested.")
	}
}

func (u *ui) rerun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := u.eng.Rerun(r.Context(), id)
	switch {
	case errors.Is(err, engine.ErrRunNotFound):
		http.Error(w, "inngest: no run "+id, http.StatusNotFound)
	case errors.Is(err, engine.ErrFunctionNotFound):
		http.Error(w, err.Error(), http.StatusConflict)
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	case run.ID == "":
		seeOther(w, r, "/runs/"+url.PathEscape(id), "note", "The function's singleton setting skipped the new run.")
	default:
		seeOther(w, r, "/runs/"+url.PathEscape(run.ID), "note", "Re-run of "+id+".")
	}
}

// sendEvent sends the form's event: name (required) and data (a JSON
// object, "{}" when empty). A bad form re-renders the events page with the
// error and status 400.
func (u *ui) sendEvent(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "inngest: bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	data := strings.TrimSpace(r.PostForm.Get("data"))
	if data == "" {
		data = "{}"
	}
	fail := func(msg string) {
		d, err := u.eventsData()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		d.FormName, d.FormData = name, data
		u.render(w, http.StatusBadRequest, "events", page{Title: "Events", Nav: "events", Error: msg, Data: d})
	}
	if name == "" {
		fail("The event needs a name.")
		return
	}
	var obj map[string]any
	if err := jsoncodec.Unmarshal([]byte(data), &obj); err != nil || obj == nil {
		msg := "The data must be one JSON object"
		if err != nil {
			msg += ": " + err.Error()
		}
		fail(msg + ".")
		return
	}
	body, _ := jsoncodec.Marshal(map[string]any{"name": name, "data": json.RawMessage(data)})
	ids, err := u.eng.SendJSON(r.Context(), body)
	if err != nil {
		fail(err.Error())
		return
	}
	seeOther(w, r, "/", "sent", strings.Join(ids, ", "))
}

// resend sends a stored event again, with a new id and timestamp.
func (u *ui) resend(w http.ResponseWriter, r *http.Request) {
	ev, err := u.eng.Event(r.PathValue("id"))
	if errors.Is(err, enginestore.ErrNotFound) {
		http.Error(w, "inngest: no event "+r.PathValue("id"), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var m map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(ev.Raw, &m); err != nil {
		http.Error(w, "inngest: stored event is not an object", http.StatusInternalServerError)
		return
	}
	delete(m, "id")
	delete(m, "ts")
	body, _ := jsoncodec.Marshal(m)
	ids, err := u.eng.SendJSON(r.Context(), body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	seeOther(w, r, "/", "sent", strings.Join(ids, ", "))
}

// resync asks an app to sync again at its registered URL.
func (u *ui) resync(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	apps, err := u.eng.Apps()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, a := range apps {
		if a.Name != name {
			continue
		}
		if err := u.eng.Sync(r.Context(), a.URL); err != nil {
			seeOther(w, r, "/apps", "err", err.Error())
			return
		}
		seeOther(w, r, "/apps", "note", "Synced "+name+".")
		return
	}
	http.Error(w, "inngest: no app "+name, http.StatusNotFound)
}

// Advancer is a clock the UI can move forward, such as *engine.VirtualClock:
// when the engine's clock implements it, every page shows the clock's time
// with a form that advances it.
type Advancer interface {
	engine.Clock
	Advance(d time.Duration)
}

// advance moves a virtual clock forward by the form's duration (e.g. "1h").
func (u *ui) advance(w http.ResponseWriter, r *http.Request) {
	vc, ok := u.eng.Clock().(Advancer)
	if !ok {
		http.Error(w, "inngest: the engine's clock cannot be advanced", http.StatusConflict)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	_ = r.ParseForm()
	d, err := time.ParseDuration(strings.TrimSpace(r.PostForm.Get("by")))
	if err != nil || d <= 0 {
		http.Error(w, "inngest: by must be a positive duration such as 1h", http.StatusBadRequest)
		return
	}
	vc.Advance(d)
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, "/") {
		back = (&url.URL{Path: ref.Path, RawQuery: ref.RawQuery}).String()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
