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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
)

// FastForwarder moves the engine's clock ahead (timewarp.Clock does).
type FastForwarder interface {
	FastForward(d time.Duration)
}

// Options configure Run.
type Options struct {
	// Runtime is the running service, on the embedded engine.
	Runtime *app.Runtime
	// Clock is the engine's clock, fast-forwarded over long waits.
	Clock FastForwarder
	// Printer receives the narration and the summary.
	Printer *Printer
	// Timeout bounds each wait, in wall-clock time. Default 15 s.
	Timeout time.Duration
	// Waits are the workflows' configured waits, shown in the narration and
	// used as fast-forward amounts. Zero values mean the production ones.
	TriageDelay, ReminderDelay, VerificationTimeout, DigestWindow time.Duration
}

// Outcome is one workflow's verdict.
type Outcome struct {
	Workflow string
	OK       bool
	Detail   string
}

// Result is the demo's verdict.
type Result struct {
	Outcomes []Outcome
}

// Passed counts the workflows that behaved as expected.
func (r Result) Passed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.OK {
			n++
		}
	}
	return n
}

// Total counts the workflows checked.
func (r Result) Total() int { return len(r.Outcomes) }

// OK reports whether every workflow behaved as expected.
func (r Result) OK() bool { return r.Total() > 0 && r.Passed() == r.Total() }

// Line is the summary's last line.
func (r Result) Line() string {
	return fmt.Sprintf("demo: %d/%d workflows behaved as expected", r.Passed(), r.Total())
}

// Run plays the scripted demo against the service and returns the verdict.
// It needs the embedded engine (to see runs pause) and a FastForwarder. A
// workflow that misbehaves is reported, not returned as an error; the error
// is for a demo that could not run at all.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Runtime == nil || o.Runtime.Engine == nil || o.Clock == nil {
		return Result{}, errors.New("ticketbounty demo: needs the embedded engine and a fast-forward clock")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Printer == nil {
		o.Printer = NewPrinter(io.Discard)
	}
	d := &demo{Options: o, rt: o.Runtime, p: o.Printer, st: o.Runtime.Store, http: &http.Client{Timeout: 10 * time.Second}}
	d.withDefaults()
	d.script(ctx)
	// The printer stays muted after the summary, so its last line is the verdict;
	// call Printer.Unmute to narrate later runs.
	d.p.Mute()
	d.summary(ctx)
	return d.result, nil
}

type demo struct {
	Options
	rt     *app.Runtime
	p      *Printer
	st     *store.Store
	http   *http.Client
	result Result

	alice, bob store.User
	ticket     store.Ticket
	passed     time.Duration // fast-forwarded so far
}

func (d *demo) withDefaults() {
	if d.TriageDelay <= 0 {
		d.TriageDelay = 30 * time.Second
	}
	if d.ReminderDelay <= 0 {
		d.ReminderDelay = 24 * time.Hour
	}
	if d.VerificationTimeout <= 0 {
		d.VerificationTimeout = 7 * 24 * time.Hour
	}
	if d.DigestWindow <= 0 {
		d.DigestWindow = time.Hour
	}
}

// step is one scripted workflow: it returns a detail for the summary, or an
// error when the workflow did not behave as expected.
type step struct {
	name string
	fn   func(ctx context.Context) (string, error)
}

func (d *demo) script(ctx context.Context) {
	steps := []step{
		{"sign-up → welcome e-mail", d.signUp},
		{"password reset e-mail", d.passwordReset},
		{"onboarding: e-mail verified in time", d.onboardingVerified},
		{"onboarding: 7-day timeout → reminder", d.onboardingTimeout},
		{"ticket: validate → sleep → assign → notify", d.processTicket},
		{"ticket reminder after a 24 h sleep", d.ticketReminder},
		{"hourly notification digest (batched)", d.notificationDigest},
		{"payment retried without a second charge", d.payment},
		{"bounty payout: durable rate fetch, approval signal", d.payout},
		{"admin digest fanned out to e-mail and Discord", d.adminDigest},
		{"failing function caught by the global handler", d.failure},
		{"e-mail concurrency: at most 5 per user", d.concurrency},
	}
	for i, s := range steps {
		d.p.Plainf("")
		d.p.Printf("── %d/%d %s", i+1, len(steps), s.name)
		detail, err := s.fn(ctx)
		o := Outcome{Workflow: s.name, OK: err == nil, Detail: detail}
		if err != nil {
			o.Detail = err.Error()
			d.p.Printf("   ✘ %s", err)
		} else {
			d.p.Printf("   ✔ %s", detail)
		}
		d.result.Outcomes = append(d.result.Outcomes, o)
	}
}

// ---- the workflows -------------------------------------------------------

func (d *demo) signUp(ctx context.Context) (string, error) {
	u, err := d.signUpUser(ctx, "alice@example.com", "Alice")
	if err != nil {
		return "", err
	}
	d.alice = u
	m, err := d.waitMessages(ctx, "welcome e-mail", store.MessageFilter{Template: "welcome", UserID: u.ID}, 1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("POST /api/auth/signup returned at once; %q sent to %s", m[0].Subject, m[0].Recipient), nil
}

func (d *demo) passwordReset(ctx context.Context) (string, error) {
	d.p.Printf("   POST /api/auth/password-reset for %s", d.alice.Email)
	if err := d.post(ctx, "/api/auth/password-reset", map[string]string{"email": d.alice.Email}, nil, nil); err != nil {
		return "", err
	}
	m, err := d.waitMessages(ctx, "reset e-mail", store.MessageFilter{Template: "password-reset", UserID: d.alice.ID}, 1)
	if err != nil {
		return "", err
	}
	if !strings.Contains(m[0].Body, "/reset?token=rst_") {
		return "", fmt.Errorf("the reset e-mail has no reset link: %q", m[0].Body)
	}
	return "reset link e-mailed to " + m[0].Recipient, nil
}

func (d *demo) onboardingVerified(ctx context.Context) (string, error) {
	if _, err := d.waitPaused(ctx, "onboarding", d.alice.ID, "wait-for-verification"); err != nil {
		return "", err
	}
	d.p.Printf("   Alice clicks the link: POST /api/auth/verify-email")
	if err := d.post(ctx, "/api/auth/verify-email", map[string]string{"user_id": d.alice.ID}, nil, nil); err != nil {
		return "", err
	}
	return d.waitOnboarding(ctx, d.alice, store.OnboardingVerified)
}

func (d *demo) onboardingTimeout(ctx context.Context) (string, error) {
	u, err := d.signUpUser(ctx, "bob@example.com", "Bob")
	if err != nil {
		return "", err
	}
	d.bob = u
	if _, err := d.waitPaused(ctx, "onboarding", u.ID, "wait-for-verification"); err != nil {
		return "", err
	}
	d.fastForward(d.VerificationTimeout, "Bob never verifies; the daily digest cron fires on each day passed")
	detail, err := d.waitOnboarding(ctx, u, store.OnboardingReminded)
	if err != nil {
		return "", err
	}
	if _, err := d.waitMessages(ctx, "verification reminder", store.MessageFilter{Template: "verify-reminder", UserID: u.ID}, 1); err != nil {
		return "", err
	}
	return detail + ", reminder e-mailed", nil
}

func (d *demo) processTicket(ctx context.Context) (string, error) {
	var resp struct {
		Ticket store.Ticket `json:"ticket"`
	}
	d.p.Printf("   POST /api/tickets: Alice posts a $50 bounty")
	if err := d.post(ctx, "/api/tickets", map[string]any{"customer_id": d.alice.ID, "title": "Printer on fire", "body": "Again.", "bounty_cents": 5000}, nil, &resp); err != nil {
		return "", err
	}
	d.ticket = resp.Ticket
	if _, err := d.waitPaused(ctx, "process-ticket", d.ticket.ID, "wait-for-triage"); err != nil {
		return "", err
	}
	d.fastForward(d.TriageDelay, "the triage sleep")
	if _, err := d.waitRunDone(ctx, "process-ticket", d.ticket.ID); err != nil {
		return "", err
	}
	t, err := d.st.Ticket(ctx, d.ticket.ID)
	if err != nil {
		return "", err
	}
	if t.Status != store.TicketAssigned || t.AssigneeID == "" {
		return "", fmt.Errorf("ticket is %s, want assigned", t.Status)
	}
	d.ticket = t
	if _, err := d.waitMessages(ctx, "assignee e-mail", store.MessageFilter{Template: "ticket-assigned", Ref: t.ID}, 1); err != nil {
		return "", err
	}
	if _, err := d.waitMessages(ctx, "customer e-mail", store.MessageFilter{Template: "ticket-in-progress", Ref: t.ID}, 1); err != nil {
		return "", err
	}
	agent, _ := d.st.User(ctx, t.AssigneeID)
	return fmt.Sprintf("assigned to %s after the %s sleep; assignee and customer e-mailed", agent.Name, d.TriageDelay), nil
}

func (d *demo) ticketReminder(ctx context.Context) (string, error) {
	if d.ticket.AssigneeID == "" {
		return "", errors.New("no assigned ticket (the previous workflow failed)")
	}
	if _, err := d.waitPaused(ctx, "ticket-reminder", d.ticket.ID, "wait-a-day"); err != nil {
		return "", err
	}
	d.fastForward(d.ReminderDelay, "nobody touches the ticket")
	m, err := d.waitMessages(ctx, "reminder e-mail", store.MessageFilter{Template: "ticket-reminder", Ref: d.ticket.ID}, 1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%q sent to %s", m[0].Subject, m[0].Recipient), nil
}

func (d *demo) notificationDigest(ctx context.Context) (string, error) {
	if d.ticket.AssigneeID == "" {
		return "", errors.New("no assigned ticket (an earlier workflow failed)")
	}
	for _, body := range []string{"On it.", "Found the cause.", "Fixed, please confirm."} {
		d.p.Printf("   POST /api/tickets/%s/comments: %q", d.ticket.ID, body)
		if err := d.post(ctx, "/api/tickets/"+d.ticket.ID+"/comments", map[string]string{"author_id": d.ticket.AssigneeID, "body": body}, nil, nil); err != nil {
			return "", err
		}
	}
	d.fastForward(d.DigestWindow, "the batch window closes")
	m, err := d.waitMessages(ctx, "notification digest", store.MessageFilter{Template: "notification-digest", UserID: d.alice.ID}, 1)
	if err != nil {
		return "", err
	}
	if n := strings.Count(m[0].Body, "\n"); n != 3 || len(m) != 1 {
		return "", fmt.Errorf("want one digest of 3 notifications, got %d e-mail(s), the first with %d lines", len(m), n)
	}
	return "3 comments → 1 run → 1 e-mail: " + m[0].Subject, nil
}

func (d *demo) payment(ctx context.Context) (string, error) {
	if d.ticket.ID == "" {
		return "", errors.New("no ticket (an earlier workflow failed)")
	}
	key := "pay_" + randomHex()
	body := map[string]any{"user_id": d.alice.ID, "ticket_id": d.ticket.ID, "amount_cents": 5000, "card": demoCard}
	d.p.Printf("   POST /api/payments twice with Idempotency-Key %s (a double click)", key)
	for range 2 {
		if err := d.post(ctx, "/api/payments", body, map[string]string{"Idempotency-Key": key}, nil); err != nil {
			return "", err
		}
	}
	if _, err := d.waitFor(ctx, "the charge step to fail once", func(runs []engine.Run) bool {
		r, ok := findRun(runs, d.rt.FunctionID("charge-payment"), key)
		return ok && hasHistory(r, "retry")
	}); err != nil {
		return "", err
	}
	d.fastForward(time.Minute, "the retry backoff: 15 s plus up to 30 s of jitter, as on the server")
	run, err := d.waitRunDone(ctx, "charge-payment", key)
	if err != nil {
		return "", err
	}
	if run.Status != engine.StatusCompleted {
		return "", fmt.Errorf("charge-payment ended %s", run.Status)
	}
	runs := countRuns(d.rt.Engine.Runs(), d.rt.FunctionID("charge-payment"), key)
	c, err := d.st.ChargeByKey(ctx, key)
	if err != nil {
		return "", err
	}
	rows, err := d.st.CountCharges(ctx, d.ticket.ID)
	if err != nil {
		return "", err
	}
	if _, err := d.waitMessages(ctx, "receipt", store.MessageFilter{Template: "receipt", Ref: key}, 1); err != nil {
		return "", err
	}
	if runs != 1 || rows != 1 || c.Attempts != 2 {
		return "", fmt.Errorf("want 1 run, 1 charge row and 2 provider attempts; got %d run(s), %d row(s), %d attempt(s)", runs, rows, c.Attempts)
	}
	sealed, err := sealedInEngine(run)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("2 requests → 1 run (idempotency); 2 provider attempts → 1 charge %s of $%d.%02d; receipt sent; card and amount sealed in the engine (%d values)",
		c.ID, c.AmountCents/100, c.AmountCents%100, sealed), nil
}

// demoCard is the test card number the demo pays with.
const demoCard = "4242 4242 4242 4242"

// sealedInEngine checks what the engine stored for a charge-payment run: the
// card appears nowhere, and the event's "encrypted" field, every step result
// and the output are sealed by the encryption middleware. It returns how many
// sealed values it found.
func sealedInEngine(run engine.Run) (int, error) {
	raw, err := json.Marshal(run)
	if err != nil {
		return 0, err
	}
	if bytes.Contains(raw, []byte(demoCard)) {
		return 0, errors.New("the engine stored the card in clear")
	}
	n := 0
	check := func(what string, v json.RawMessage) error {
		if !encryption.IsSealed(v) {
			return fmt.Errorf("the engine stored %s in clear: %.80s", what, v)
		}
		n++
		return nil
	}
	for _, ev := range run.Events {
		var e struct {
			Data struct {
				Encrypted json.RawMessage `json:"encrypted"`
			} `json:"data"`
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			return 0, err
		}
		if err := check("the payment event's card and amount", e.Data.Encrypted); err != nil {
			return 0, err
		}
	}
	for _, st := range run.Steps {
		var m struct {
			Data json.RawMessage `json:"data"`
		}
		if len(st.Result) == 0 || json.Unmarshal(st.Result, &m) != nil || len(m.Data) == 0 || string(m.Data) == "null" {
			continue
		}
		if err := check("step "+st.Name+"'s result", m.Data); err != nil {
			return 0, err
		}
	}
	if err := check("the run's output", run.Output); err != nil {
		return 0, err
	}
	return n, nil
}

func (d *demo) adminDigest(ctx context.Context) (string, error) {
	var acc struct {
		EventIDs []string `json:"event_ids"`
	}
	d.p.Printf("   POST /api/admin/digest (it also runs daily on a cron)")
	if err := d.post(ctx, "/api/admin/digest", map[string]string{}, nil, &acc); err != nil {
		return "", err
	}
	if len(acc.EventIDs) != 1 {
		return "", errors.New("no event id returned")
	}
	runs, err := d.waitFor(ctx, "the digest run", func(runs []engine.Run) bool {
		for _, r := range runs {
			if r.FunctionID == d.rt.FunctionID("admin-digest") && slices.Contains(r.EventIDs, acc.EventIDs[0]) && r.Status.Done() {
				return true
			}
		}
		return false
	})
	if err != nil {
		return "", err
	}
	var digestID string
	for _, r := range runs {
		if r.FunctionID == d.rt.FunctionID("admin-digest") && slices.Contains(r.EventIDs, acc.EventIDs[0]) {
			digestID = r.ID
		}
	}
	em, err := d.waitMessages(ctx, "digest e-mail", store.MessageFilter{Template: "admin-digest", Ref: digestID}, 1)
	if err != nil {
		return "", err
	}
	dm, err := d.waitMessages(ctx, "digest Discord post", store.MessageFilter{Channel: store.ChannelDiscord, Ref: digestID}, 1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("4 parallel counts → 1 event → e-mail to %s + Discord %s: %s", em[0].Recipient, dm[0].Recipient, dm[0].Body), nil
}

func (d *demo) failure(ctx context.Context) (string, error) {
	var resp struct {
		Ticket store.Ticket `json:"ticket"`
	}
	d.p.Printf("   POST /api/tickets: a $50,000 bounty, over the limit")
	if err := d.post(ctx, "/api/tickets", map[string]any{"customer_id": d.alice.ID, "title": "Buy me a yacht", "body": "Urgent.", "bounty_cents": 5_000_000}, nil, &resp); err != nil {
		return "", err
	}
	run, err := d.waitRunDone(ctx, "process-ticket", resp.Ticket.ID)
	if err != nil {
		return "", err
	}
	if run.Status != engine.StatusFailed {
		return "", fmt.Errorf("process-ticket ended %s, want Failed", run.Status)
	}
	if _, err := d.waitMessages(ctx, "Discord alert", store.MessageFilter{Channel: store.ChannelDiscord, Ref: run.ID}, 1); err != nil {
		return "", err
	}
	fs, err := d.st.Failures(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		if f.RunID == run.ID {
			return fmt.Sprintf("%s failed without retries; the global handler recorded it and alerted #alerts", run.FunctionID), nil
		}
	}
	return "", errors.New("the failure was not recorded")
}

func (d *demo) concurrency(ctx context.Context) (string, error) {
	const n = 12
	d.p.Printf("   %d × POST /api/notifications/email for Alice at once", n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = d.post(ctx, "/api/notifications/email", map[string]string{"user_id": d.alice.ID, "subject": fmt.Sprintf("Burst %d", i+1), "body": "Hello!"}, nil, nil)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	if _, err := d.waitMessages(ctx, "burst e-mails", store.MessageFilter{Template: "transactional", UserID: d.alice.ID}, n); err != nil {
		return "", err
	}
	peak := d.rt.Email.PeakInFlight(d.alice.ID)
	if peak > 5 {
		return "", fmt.Errorf("%d sends were in flight at once, the limit is 5", peak)
	}
	return fmt.Sprintf("%d e-mails delivered, at most %d in flight at once (limit 5 per user)", n, peak), nil
}

// ---- helpers -------------------------------------------------------------

func (d *demo) signUpUser(ctx context.Context, email, name string) (store.User, error) {
	var resp struct {
		User store.User `json:"user"`
	}
	start := time.Now()
	if err := d.post(ctx, "/api/auth/signup", map[string]string{"email": email, "name": name}, nil, &resp); err != nil {
		return store.User{}, err
	}
	d.p.Printf("   POST /api/auth/signup %s → 201 in %s (the e-mails happen in the background)", email, time.Since(start).Round(time.Millisecond))
	return resp.User, nil
}

func (d *demo) waitOnboarding(ctx context.Context, u store.User, want string) (string, error) {
	run, err := d.waitRunDone(ctx, "onboarding", u.ID)
	if err != nil {
		return "", err
	}
	got, err := d.st.User(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if run.Status != engine.StatusCompleted || got.Onboarding != want {
		return "", fmt.Errorf("onboarding of %s: run %s, outcome %q, want %q", u.Name, run.Status, got.Onboarding, want)
	}
	return fmt.Sprintf("%s's onboarding ended %q", u.Name, want), nil
}

func (d *demo) fastForward(by time.Duration, why string) {
	d.passed += by
	d.p.Printf("   ⏩ fast-forward %s (%s)", human(by), why)
	d.Clock.FastForward(by)
}

// post sends a JSON request and decodes a 2xx reply into out (if not nil).
func (d *demo) post(ctx context.Context, path string, body any, headers map[string]string, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.rt.URL+path, bytes.NewReader(b))
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
func (d *demo) waitFor(ctx context.Context, what string, pred func([]engine.Run) bool) ([]engine.Run, error) {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	var out []engine.Run
	err := d.rt.Engine.WaitFor(ctx, func(runs []engine.Run) bool {
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
// step (a sleep or a wait), so a fast-forward or an event will reach it.
func (d *demo) waitPaused(ctx context.Context, fn, ref, stepName string) (engine.Run, error) {
	var out engine.Run
	_, err := d.waitFor(ctx, fn+" to reach "+stepName, func(runs []engine.Run) bool {
		r, ok := findRun(runs, d.rt.FunctionID(fn), ref)
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
func (d *demo) waitRunDone(ctx context.Context, fn, ref string) (engine.Run, error) {
	var out engine.Run
	_, err := d.waitFor(ctx, fn+" to finish", func(runs []engine.Run) bool {
		r, ok := findRun(runs, d.rt.FunctionID(fn), ref)
		out = r
		return ok && r.Status.Done()
	})
	return out, err
}

// waitMessages polls the outbox until at least n messages match f.
func (d *demo) waitMessages(ctx context.Context, what string, f store.MessageFilter, n int) ([]store.Message, error) {
	deadline := time.Now().Add(d.Timeout)
	for {
		ms, err := d.st.Messages(ctx, f)
		if err != nil {
			return nil, err
		}
		if len(ms) >= n {
			return ms, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("gave up waiting for %s (%d of %d in the outbox)", what, len(ms), n)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// findRun returns the newest run of fn whose triggering event contains ref.
func findRun(runs []engine.Run, fn, ref string) (engine.Run, bool) {
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.FunctionID == fn && len(r.Events) > 0 && bytes.Contains(r.Events[0], []byte(`"`+ref+`"`)) {
			return r, true
		}
	}
	return engine.Run{}, false
}

func countRuns(runs []engine.Run, fn, ref string) int {
	n := 0
	for _, r := range runs {
		if r.FunctionID == fn && len(r.Events) > 0 && bytes.Contains(r.Events[0], []byte(`"`+ref+`"`)) {
			n++
		}
	}
	return n
}

func hasHistory(r engine.Run, kind string) bool {
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
