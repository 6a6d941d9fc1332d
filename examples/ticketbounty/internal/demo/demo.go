package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	payfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/functions"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/ticketevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// FastForwarder moves the engine's clock ahead (timewarp.Clock does).
type FastForwarder interface {
	FastForward(d time.Duration)
}

// Options configure Run.
type Options struct {
	// App is the running app; URL is where its API is served.
	App *app.App
	URL string
	// Engine is the embedded engine running the app's functions.
	Engine *engine.Engine
	// Clock is the engine's clock, fast-forwarded over long waits.
	Clock FastForwarder
	// Printer receives the narration and the verdicts. Default: discard.
	Printer *Printer
	// Timeout bounds each wait, in wall-clock time. Default 15 s.
	Timeout time.Duration
}

// Flow is one flow's verdict: did it end as the narration says.
type Flow struct {
	Name   string
	OK     bool
	Detail string
}

// Result is the demo's verdict.
type Result struct {
	Flows []Flow
}

// Completed counts the flows that ended as expected.
func (r Result) Completed() int {
	n := 0
	for _, f := range r.Flows {
		if f.OK {
			n++
		}
	}
	return n
}

// OK reports whether every flow ended as expected.
func (r Result) OK() bool { return len(r.Flows) > 0 && r.Completed() == len(r.Flows) }

// Line is the demo's last line.
func (r Result) Line() string {
	return fmt.Sprintf("demo: %d/%d flows completed", r.Completed(), len(r.Flows))
}

// Run plays four flows against the app, through its HTTP API only, and
// returns their verdicts. Every other workflow (onboarding, reminders,
// digests, fan-out, failure handlers, concurrency) is shown by the features'
// tests. A flow that goes wrong is reported, not returned as an error; the
// error is for a demo that could not run at all.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.App == nil || o.Engine == nil || o.Clock == nil {
		return Result{}, errors.New("ticketbounty demo: needs the app, the embedded engine and a fast-forward clock")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Printer == nil {
		o.Printer = NewPrinter(io.Discard)
	}
	d := &demo{Options: o, p: o.Printer, st: o.App.Store, http: &http.Client{Timeout: 10 * time.Second}}
	flows := []struct {
		name string
		fn   func(ctx context.Context) (string, error)
	}{
		{"a background job: sign-up → welcome e-mail", d.signUp},
		{"a sleep: 30 s of triage, then the ticket is assigned", d.processTicket},
		{"a retry: the payment is retried, not charged twice", d.payment},
		{"a wait: the bounty payout waits for an admin's approval", d.payout},
	}
	var res Result
	for i, f := range flows {
		d.p.Plainf("")
		d.p.Printf("── %d/%d %s", i+1, len(flows), f.name)
		detail, err := f.fn(ctx)
		if err != nil {
			detail = err.Error()
			d.p.Printf("   ✘ %s", detail)
		} else {
			d.p.Printf("   ✔ %s", detail)
		}
		res.Flows = append(res.Flows, Flow{Name: f.name, OK: err == nil, Detail: detail})
	}
	// The printer stays muted after this, so a late progress line can never
	// follow the verdict; call Printer.Unmute to narrate later runs.
	d.p.Mute()
	d.p.Plainf("")
	for _, f := range res.Flows {
		mark := "✔"
		if !f.OK {
			mark = "✘"
		}
		d.p.Plainf("%s %-56s %s", mark, f.Name, f.Detail)
	}
	d.p.Plainf("the other workflows are shown by the tests: go test ./examples/ticketbounty/...")
	d.p.Plainf("%s", res.Line())
	return res, nil
}

type demo struct {
	Options
	p    *Printer
	st   *store.Store
	http *http.Client

	alice  store.User
	ticket store.Ticket
}

// signUp: the route returns at once; send-welcome-email and send-email do
// the e-mail in the background.
func (d *demo) signUp(ctx context.Context) (string, error) {
	var resp struct {
		User store.User `json:"user"`
	}
	start := time.Now()
	if err := d.post(ctx, "/api/auth/signup", map[string]string{"email": "alice@example.com", "name": "Alice"}, nil, &resp); err != nil {
		return "", err
	}
	d.p.Printf("   POST /api/auth/signup alice@example.com → 201 in %s (the e-mail happens in the background)", time.Since(start).Round(time.Millisecond))
	d.alice = resp.User
	m, err := d.waitMessages(ctx, "the welcome e-mail", store.MessageFilter{Template: "welcome", UserID: d.alice.ID})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%q e-mailed to %s", m.Subject, m.Recipient), nil
}

// processTicket: process-ticket sleeps 30 s (the demo fast-forwards the
// engine's clock over it), then assigns the ticket to an agent.
func (d *demo) processTicket(ctx context.Context) (string, error) {
	if d.alice.ID == "" {
		return "", errors.New("no customer (the sign-up failed)")
	}
	var resp struct {
		Ticket store.Ticket `json:"ticket"`
	}
	d.p.Printf("   POST /api/tickets: Alice posts a $50 bounty")
	if err := d.post(ctx, "/api/tickets", map[string]any{"customer_id": d.alice.ID, "title": "Printer on fire", "body": "Again.", "bounty_cents": 5000}, nil, &resp); err != nil {
		return "", err
	}
	if _, err := d.waitPaused(ctx, "process-ticket", resp.Ticket.ID, "wait-for-triage"); err != nil {
		return "", err
	}
	// What a browser watching the ticket sees: its stages as server-sent events.
	stages, stop, err := d.watchStages(ctx, resp.Ticket.ID)
	if err != nil {
		return "", err
	}
	defer stop()
	d.p.Printf("   GET /api/tickets/%s/events: watching the ticket's stages (SSE)", resp.Ticket.ID)
	d.fastForward(30*time.Second, "the triage sleep")
	run, err := d.waitRunDone(ctx, "process-ticket", resp.Ticket.ID)
	if err != nil {
		return "", err
	}
	var seen ticketevents.StageData
	select {
	case seen = <-stages:
	case <-time.After(d.Timeout):
		return "", errors.New("the stage stream showed no assignment")
	}
	if seen.Stage != "assigned" {
		return "", fmt.Errorf("the stage stream showed %q, want assigned", seen.Stage)
	}
	d.p.Printf("   the stream showed: stage %q", seen.Stage)
	if run.Status != runtype.StatusCompleted {
		return "", fmt.Errorf("process-ticket ended %s", run.Status)
	}
	if d.ticket, err = d.st.Ticket(ctx, resp.Ticket.ID); err != nil {
		return "", err
	}
	agent, err := d.st.User(ctx, d.ticket.AssigneeID)
	if err != nil {
		return "", err
	}
	if agent.ID != seen.AssigneeID {
		return "", fmt.Errorf("the stream showed assignee %s, the store %s", seen.AssigneeID, agent.ID)
	}
	return fmt.Sprintf("assigned to %s after the 30s sleep; the stage stream showed it", agent.Name), nil
}

// watchStages reads GET /api/tickets/{id}/events and hands over each stage.
func (d *demo) watchStages(ctx context.Context, ticketID string) (<-chan ticketevents.StageData, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL+"/api/tickets/"+ticketID+"/events", nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	resp, err := http.DefaultClient.Do(req) // no timeout: the stream stays open
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, nil, fmt.Errorf("GET /api/tickets/%s/events: %s", ticketID, resp.Status)
	}
	out := make(chan ticketevents.StageData, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		_ = realtime.ReadSSE(resp.Body, func(frame []byte) bool {
			m, err := realtime.DecodeMessage(frame)
			if err != nil || m.Kind != realtime.KindData {
				return true
			}
			var st ticketevents.StageData
			if json.Unmarshal(m.Data, &st) == nil {
				select {
				case out <- st:
				default:
				}
			}
			return true
		})
	}()
	return out, func() { cancel(); <-done }, nil
}

// demoCard is the test card number the demo pays with.
const demoCard = "4242 4242 4242 4242"

// payment: a double-clicked payment runs once (the function's idempotency
// key); the provider loses the first attempt's reply after charging, and the
// retried charge-card step does not charge again (the provider's idempotency
// key).
func (d *demo) payment(ctx context.Context) (string, error) {
	if d.ticket.ID == "" {
		return "", errors.New("no ticket (an earlier flow failed)")
	}
	key := "pay_" + randomHex()
	body := map[string]any{"user_id": d.alice.ID, "ticket_id": d.ticket.ID, "amount_cents": d.ticket.BountyCents, "card": demoCard}
	d.p.Printf("   POST /api/payments twice with Idempotency-Key %s (a double click)", key)
	for range 2 {
		if err := d.post(ctx, "/api/payments", body, map[string]string{"Idempotency-Key": key}, nil); err != nil {
			return "", err
		}
	}
	if _, err := d.waitFor(ctx, "the charge step to fail once", func(runs []runtype.Run) bool {
		r, ok := findRun(runs, d.App.FunctionID("charge-payment"), key)
		return ok && hasHistory(r, "retry")
	}); err != nil {
		return "", err
	}
	d.fastForward(time.Minute, "the retry backoff: 15 s plus up to 30 s of jitter, as on the server")
	run, err := d.waitRunDone(ctx, "charge-payment", key)
	if err != nil {
		return "", err
	}
	if run.Status != runtype.StatusCompleted {
		return "", fmt.Errorf("charge-payment ended %s", run.Status)
	}
	c, err := d.st.ChargeByKey(ctx, key)
	if err != nil {
		return "", err
	}
	rows, err := d.st.CountCharges(ctx, d.ticket.ID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("2 requests → 1 run; %d provider attempts → %d charge of $%d.%02d", c.Attempts, rows, c.AmountCents/100, c.AmountCents%100), nil
}

// payout: pay-bounty fetches the USD→EUR rate with step.FetchJSON (the
// engine makes the request to the app's stub /api/rates), then waits for the
// "approve-payout-<ticket>" signal that the admin's button sends.
func (d *demo) payout(ctx context.Context) (string, error) {
	if d.ticket.AssigneeID == "" {
		return "", errors.New("no assigned ticket (an earlier flow failed)")
	}
	d.p.Printf("   POST /api/payments/payouts: pay the agent the $%d bounty in EUR", d.ticket.BountyCents/100)
	body := map[string]any{"ticket_id": d.ticket.ID, "agent_id": d.ticket.AssigneeID, "bounty_cents": d.ticket.BountyCents, "currency": "EUR"}
	if err := d.post(ctx, "/api/payments/payouts", body, nil, nil); err != nil {
		return "", err
	}
	if _, err := d.waitPaused(ctx, "pay-bounty", d.ticket.ID, "wait-for-approval"); err != nil {
		return "", err
	}
	d.p.Printf("   Ada clicks \"approve payout\": POST /api/payments/payouts/%s/approve", d.ticket.ID)
	if err := d.post(ctx, "/api/payments/payouts/"+d.ticket.ID+"/approve", map[string]any{"approved_by": "ada@ticketbounty.test", "approved": true}, nil, nil); err != nil {
		return "", err
	}
	run, err := d.waitRunDone(ctx, "pay-bounty", d.ticket.ID)
	if err != nil {
		return "", err
	}
	var res payfns.PayoutResult
	if err := json.Unmarshal(run.Output, &res); err != nil || run.Status != runtype.StatusCompleted || res.Status != "paid" {
		return "", fmt.Errorf("pay-bounty ended %s: %s", run.Status, run.Output)
	}
	return fmt.Sprintf("paid €%d.%02d at USD→EUR %.2f, approved by %s", res.AmountMinor/100, res.AmountMinor%100, res.Rate, res.ApprovedBy), nil
}

// ---- helpers -------------------------------------------------------------

func (d *demo) fastForward(by time.Duration, why string) {
	d.p.Printf("   ⏩ fast-forward %s (%s)", human(by), why)
	d.Clock.FastForward(by)
}

// post sends a JSON request and decodes a 2xx reply into out (if not nil).
func (d *demo) post(ctx context.Context, path string, body any, headers map[string]string, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// waitFor blocks until pred holds for the engine's runs.
func (d *demo) waitFor(ctx context.Context, what string, pred func([]runtype.Run) bool) ([]runtype.Run, error) {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	var out []runtype.Run
	err := d.Engine.WaitFor(ctx, func(runs []runtype.Run) bool {
		if pred(runs) {
			out = runs
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("gave up waiting for %s: %w", what, err)
	}
	return out, nil
}

// waitPaused waits until the run of fn whose event mentions ref is paused in
// step (a sleep or a wait), so a fast-forward or a signal will reach it.
func (d *demo) waitPaused(ctx context.Context, fn, ref, stepName string) (runtype.Run, error) {
	var out runtype.Run
	_, err := d.waitFor(ctx, fn+" to reach "+stepName, func(runs []runtype.Run) bool {
		r, ok := findRun(runs, d.App.FunctionID(fn), ref)
		if !ok {
			return false
		}
		for _, st := range r.Steps {
			if st.Name == stepName && !st.Done && (st.Op == "Sleep" || st.Op == "WaitForEvent" || st.Op == "WaitForSignal") {
				out = r
				return true
			}
		}
		return false
	})
	return out, err
}

// waitRunDone waits until the run of fn whose event mentions ref has ended.
func (d *demo) waitRunDone(ctx context.Context, fn, ref string) (runtype.Run, error) {
	var out runtype.Run
	_, err := d.waitFor(ctx, fn+" to finish", func(runs []runtype.Run) bool {
		r, ok := findRun(runs, d.App.FunctionID(fn), ref)
		out = r
		return ok && r.Status.Done()
	})
	return out, err
}

// waitMessages polls the outbox until a message matches f.
func (d *demo) waitMessages(ctx context.Context, what string, f store.MessageFilter) (store.Message, error) {
	deadline := time.Now().Add(d.Timeout)
	for {
		ms, err := d.st.Messages(ctx, f)
		if err != nil {
			return store.Message{}, err
		}
		if len(ms) > 0 {
			return ms[0], nil
		}
		if time.Now().After(deadline) {
			return store.Message{}, fmt.Errorf("gave up waiting for %s", what)
		}
		select {
		case <-ctx.Done():
			return store.Message{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// findRun returns the newest run of fn whose triggering event contains ref.
func findRun(runs []runtype.Run, fn, ref string) (runtype.Run, bool) {
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.FunctionID == fn && len(r.Events) > 0 && bytes.Contains(r.Events[0], []byte(`"`+ref+`"`)) {
			return r, true
		}
	}
	return runtype.Run{}, false
}

func hasHistory(r runtype.Run, kind string) bool {
	for _, h := range r.History {
		if h.Kind == kind {
			return true
		}
	}
	return false
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// human prints durations readably: 7 days, 24 h, 30s, 8d 1h 0m 40s.
func human(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= day:
		return fmt.Sprintf("%dd %s", d/day, (d % day).Round(time.Second))
	}
	return d.String()
}
