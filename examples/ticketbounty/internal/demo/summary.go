package demo

import (
	"context"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// summary prints the outbox, the charges and the verdicts.
func (d *demo) summary(ctx context.Context) {
	p := d.p
	p.Plainf("")
	p.Plainf("══ summary ══════════════════════════════════════════════════════════")
	if ms, err := d.st.Messages(ctx, store.MessageFilter{}); err == nil {
		emails, discord := 0, 0
		for _, m := range ms {
			if m.Channel == store.ChannelEmail {
				emails++
			} else {
				discord++
			}
		}
		p.Plainf("outbox: %d e-mails, %d Discord messages (database: %s)", emails, discord, d.st.Path())
		// Group alike messages (the digest fires on every daily cron tick
		// the fast-forwards pass; the burst sends 12 transactional e-mails).
		type key struct{ channel, recipient, template string }
		var order []key
		count := map[key]int{}
		last := map[key]store.Message{}
		for _, m := range ms {
			k := key{m.Channel, m.Recipient, m.Template}
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
			last[k] = m
		}
		for _, k := range order {
			m := last[k]
			what := m.Subject
			if m.Channel == store.ChannelDiscord {
				what = clip(m.Body, 64)
			}
			n := ""
			if count[k] > 1 {
				n = fmt.Sprintf("%d×", count[k])
			}
			p.Plainf("  %4s %-8s %-24s %-20s %s", n, m.Channel, m.Recipient, m.Template, what)
		}
	}
	runs := d.rt.Engine.Runs()
	failed := 0
	for _, r := range runs {
		if r.Status == "Failed" {
			failed++
		}
	}
	p.Plainf("runs: %d in total, %d failed (on purpose: the over-limit ticket); virtual time passed: %s", len(runs), failed, human(d.passed))
	p.Plainf("")
	for _, o := range d.result.Outcomes {
		mark := "✔"
		if !o.OK {
			mark = "✘"
		}
		p.Plainf("%s %-48s %s", mark, o.Workflow, o.Detail)
	}
	p.Plainf("%s", d.result.Line())
}
