package devui

import (
	"net/http"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
)

// ConnectGateway is what the workers page reads of the engine's Connect
// gateway: *connectgw.Gateway implements it.
type ConnectGateway interface {
	// Connections lists the connected workers.
	Connections() []connectgw.ConnInfo
}

// workerView is one row of the workers page.
type workerView struct {
	ID, InstanceID, SDK, Status string
	Apps                        []string
	Since, LastHeartbeat        string
	InFlight                    int
}

type workersData struct {
	// Hosted reports whether the UI was given a gateway.
	Hosted  bool
	Workers []workerView
}

// workersPage lists the Connect workers connected to Options.Connect.
func (u *ui) workersPage(w http.ResponseWriter, r *http.Request) {
	d := workersData{Hosted: u.opts.Connect != nil}
	if d.Hosted {
		for _, c := range u.opts.Connect.Connections() {
			apps := slices.Clone(c.Apps)
			slices.Sort(apps)
			d.Workers = append(d.Workers, workerView{ID: c.ID, InstanceID: c.InstanceID, SDK: c.SDK, Status: c.Status,
				Apps: apps, Since: when(c.Since), LastHeartbeat: when(c.LastHeartbeat), InFlight: c.InFlight})
		}
	}
	u.render(w, http.StatusOK, "workers", page{Title: "Workers", Nav: "workers", Flash: flash(r.URL.Query()), Data: d})
}
