package devui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-b02f2472/inngest-go/engine/realtimehub"
)

// realtimeView is the realtime page: the channel and topics asked for and,
// when a channel is given, the SSE URL (with a token the page minted) that
// live.js streams into the page.
type realtimeView struct {
	Channel, Topics string
	StreamURL       string
}

// realtimePage shows a live stream of a channel's topics (GET
// /realtime?channel=&topics=a,b): the server mints a token for them and the
// page reads /v1/realtime/sse with it.
func (u *ui) realtimePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := realtimeView{Channel: strings.TrimSpace(q.Get("channel")), Topics: strings.TrimSpace(q.Get("topics"))}
	p := page{Title: "Realtime", Nav: "realtime", Data: &v}
	if v.Channel != "" {
		var topics []realtimehub.Topic
		for _, t := range strings.Split(v.Topics, ",") {
			if t = strings.TrimSpace(t); t != "" {
				topics = append(topics, realtimehub.Topic{Kind: "run", Channel: v.Channel, Name: t})
			}
		}
		if len(topics) == 0 {
			p.Error = "name at least one topic"
		} else if tok, err := u.eng.Realtime().Mint(topics, false); err != nil {
			p.Error = err.Error()
		} else {
			v.StreamURL = "/v1/realtime/sse?" + url.Values{"token": {tok}}.Encode()
		}
	}
	u.render(w, http.StatusOK, "realtime", p)
}
