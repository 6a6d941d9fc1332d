package demo

import (
	"context"

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
		for _, m := range ms {
			if m.Template == "transactional" {
				continue // the concurrency burst, counted above
			}
			what := m.Subject
			if m.Channel == store.ChannelDiscord {
				what = clip(m.Body, 70)
			}
			p.Plainf("  %-8s %-28s %-20s %s", m.Channel, m.Recipient, m.Template, what)
		}
	}
	runs := d.rt.Engine.Runs()
	failed := 0
	for _, r := range runs {
		if r.Status == "Failed" {
			failed++
		}
	}
	p.Plainf("runs: %d in total, %d failed (on purpose: the over-limit ticket)", len(runs), failed)
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
