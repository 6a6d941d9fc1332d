package providers

import (
	"context"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// Email is one e-mail to send.
type Email struct {
	To       string
	UserID   string
	Template string
	Subject  string
	Body     string
	// Ref names what the e-mail is about (a ticket, digest or payment id).
	Ref string
}

// Emailer sends e-mails and returns the provider's message id.
type Emailer interface {
	SendEmail(ctx context.Context, e Email) (string, error)
}

// OutboxEmailer "sends" e-mails by appending them to the outbox. Latency
// simulates a provider's response time, which makes concurrency limits
// observable; it also tracks how many sends per user are in flight.
type OutboxEmailer struct {
	Store   *store.Store
	Latency time.Duration

	mu       sync.Mutex
	inflight map[string]int
	peak     map[string]int
}

// SendEmail writes e to the outbox.
func (o *OutboxEmailer) SendEmail(ctx context.Context, e Email) (string, error) {
	o.enter(e.UserID)
	defer o.leave(e.UserID)
	if o.Latency > 0 {
		t := time.NewTimer(o.Latency)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
	m, err := o.Store.AddMessage(ctx, store.Message{Channel: store.ChannelEmail, Recipient: e.To, UserID: e.UserID,
		Template: e.Template, Subject: e.Subject, Body: e.Body, Ref: e.Ref})
	return m.ID, err
}

// PeakInFlight returns the most sends to userID that were in flight at once.
func (o *OutboxEmailer) PeakInFlight(userID string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.peak[userID]
}

func (o *OutboxEmailer) enter(user string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.inflight == nil {
		o.inflight, o.peak = map[string]int{}, map[string]int{}
	}
	o.inflight[user]++
	o.peak[user] = max(o.peak[user], o.inflight[user])
}

func (o *OutboxEmailer) leave(user string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inflight[user]--
}
