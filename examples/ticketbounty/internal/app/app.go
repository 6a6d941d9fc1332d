package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	adminfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/functions"
	adminhttp "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/admin/handlers"
	authfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/functions"
	authhttp "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/auth/handlers"
	notifyfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/functions"
	notifyhttp "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/handlers"
	payfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/functions"
	payhttp "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/handlers"
	ticketfns "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/functions"
	tickethttp "github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/ticket/handlers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// AppID is the Inngest app id; function ids are "ticket-bounty-<slug>".
const AppID = "ticket-bounty"

// Config configures the app. Only DataDir is required; zero durations take
// the production values (30 s triage, 24 h reminder, 7 days to verify, 1 h
// notification batches).
type Config struct {
	// DataDir holds the SQLite file.
	DataDir string
	// BaseURL is the service's public URL, used in e-mailed links.
	BaseURL string
	// Client configures the Inngest client; AppID defaults to AppID.
	Client inngest.ClientOptions
	// TriageDelay, ReminderDelay, VerificationTimeout and DigestWindow
	// override the workflows' waits.
	TriageDelay, ReminderDelay, VerificationTimeout, DigestWindow time.Duration
	// DigestCron overrides the admin digest's schedule.
	DigestCron string
	// EmailLatency is the simulated e-mail provider's response time.
	EmailLatency time.Duration
	// ReliablePayments turns off the flaky payment provider (which loses
	// the reply of every payment's first attempt after charging).
	ReliablePayments bool
	// Payments replaces the payment provider (tests use it to make every
	// charge fail).
	Payments providers.Payments
	// Logger receives the service's logs. Default: slog.Default().
	Logger *slog.Logger
	// EncryptionKey seals the payment flow's sensitive values (the event's
	// "encrypted" field, charge-payment's steps and result) with the
	// encryption middleware, in the format of the JavaScript and Python SDKs.
	// Default: DemoEncryptionKey.
	EncryptionKey string
}

// DemoEncryptionKey is the demo's encryption key; a real deployment sets its
// own (Config.EncryptionKey) and keeps it secret.
const DemoEncryptionKey = "ticket-bounty-demo-key-do-not-use-in-production"

// App is the wired application.
type App struct {
	Store    *store.Store
	Email    *providers.OutboxEmailer
	Discord  *providers.OutboxDiscord
	Payments providers.Payments
	Client   *inngest.Client
	// Functions lists every Inngest function, as served on /api/inngest.
	Functions []inngest.ServableFunction
	// Inngest is the /api/inngest handler.
	Inngest *serve.Server
	// Router serves the whole HTTP API.
	Router http.Handler
}

// New opens the store, seeds the staff accounts and builds everything.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("ticketbounty: Config.DataDir is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, st)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, st *store.Store) (*App, error) {
	if err := seedStaff(ctx, st); err != nil {
		return nil, err
	}
	opts := cfg.Client
	if opts.AppID == "" {
		opts.AppID = AppID
	}
	key := cfg.EncryptionKey
	if key == "" {
		key = DemoEncryptionKey
	}
	enc, err := encryption.New(encryption.Options{Key: key})
	if err != nil {
		return nil, err
	}
	// The client seals the "encrypted" field of the events it sends (the
	// payment request); charge-payment's own middleware seals its steps.
	opts.Middleware = append([]*inngest.Middleware{{Name: "encryption-send", TransformSend: enc.TransformSend}}, opts.Middleware...)
	if opts.Logger == nil {
		opts.Logger = cfg.Logger
	}
	client, err := inngest.NewClient(opts)
	if err != nil {
		return nil, err
	}
	a := &App{Store: st, Client: client,
		Email:   &providers.OutboxEmailer{Store: st, Latency: cfg.EmailLatency},
		Discord: &providers.OutboxDiscord{Store: st},
	}
	switch {
	case cfg.Payments != nil:
		a.Payments = cfg.Payments
	case cfg.ReliablePayments:
		a.Payments = &providers.LocalPayments{Store: st}
	default:
		a.Payments = &providers.FlakyPayments{Inner: &providers.LocalPayments{Store: st}}
	}

	// Every feature contributes its functions.
	groups := []func() ([]inngest.ServableFunction, error){
		func() ([]inngest.ServableFunction, error) {
			return authfns.New(authfns.Deps{Client: client, Store: st, VerificationTimeout: cfg.VerificationTimeout})
		},
		func() ([]inngest.ServableFunction, error) {
			return ticketfns.New(ticketfns.Deps{Client: client, Store: st, TriageDelay: cfg.TriageDelay, ReminderDelay: cfg.ReminderDelay})
		},
		func() ([]inngest.ServableFunction, error) {
			return payfns.New(payfns.Deps{Client: client, Store: st, Payments: a.Payments, RatesURL: cfg.BaseURL + "/api/rates", Encryption: enc})
		},
		func() ([]inngest.ServableFunction, error) {
			return adminfns.New(adminfns.Deps{Client: client, Store: st, Discord: a.Discord, DigestCron: cfg.DigestCron})
		},
		func() ([]inngest.ServableFunction, error) {
			return notifyfns.New(notifyfns.Deps{Client: client, Store: st, Email: a.Email, DigestWindow: cfg.DigestWindow})
		},
	}
	for _, g := range groups {
		fns, err := g()
		if err != nil {
			return nil, err
		}
		a.Functions = append(a.Functions, fns...)
	}
	a.Inngest, err = serve.New(client, serve.Options{Framework: "chi"}, a.Functions...)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Handle("/api/inngest", a.Inngest)
	r.Route("/api/auth", authhttp.Routes(authhttp.Deps{Store: st, Events: client, BaseURL: cfg.BaseURL}))
	r.Route("/api/tickets", tickethttp.Routes(tickethttp.Deps{Store: st, Events: client, Realtime: realtime.New(client)}))
	r.Route("/api/payments", payhttp.Routes(payhttp.Deps{Store: st, Events: client, Signals: client}))
	r.Route("/api/notifications", notifyhttp.Routes(notifyhttp.Deps{Store: st, Events: client}))
	r.Route("/api/admin", adminhttp.Routes(adminhttp.Deps{Store: st, Events: client}))
	r.Handle("/api/rates", providers.RatesHandler())
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	a.Router = r
	return a, nil
}

// FunctionID returns the full id of the function with slug.
func (a *App) FunctionID(slug string) string { return a.Client.AppID() + "-" + slug }

// Close closes the store.
func (a *App) Close() error { return a.Store.Close() }

// Staff accounts created on first start.
var staff = []struct{ email, name, role string }{
	{"dave@ticketbounty.test", "Dave (agent)", store.RoleAgent},
	{"dana@ticketbounty.test", "Dana (agent)", store.RoleAgent},
	{"ada@ticketbounty.test", "Ada (admin)", store.RoleAdmin},
}

func seedStaff(ctx context.Context, st *store.Store) error {
	for _, s := range staff {
		if _, err := st.UserByEmail(ctx, s.email); err == nil {
			continue
		}
		if _, err := st.CreateUser(ctx, s.email, s.name, s.role); err != nil {
			return fmt.Errorf("ticketbounty: seed %s: %w", s.email, err)
		}
	}
	return nil
}
