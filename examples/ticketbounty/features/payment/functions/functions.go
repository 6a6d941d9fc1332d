package functions

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/notification/notificationevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/features/payment/paymentevents"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/providers"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Deps is what the payment functions need.
type Deps struct {
	Client   *inngest.Client
	Store    *store.Store
	Payments providers.Payments
	// RatesURL is the currency-rate provider's URL (the app's /api/rates).
	RatesURL string
	// Encryption seals charge-payment's steps and result (the charge and its
	// amount) before they reach the engine; nil leaves them in clear.
	Encryption *inngest.Middleware
}

// ChargeResult is charge-payment's output.
type ChargeResult struct {
	ChargeID    string `json:"charge_id"`
	AmountCents int64  `json:"amount_cents"`
	// ProviderAttempts counts the provider calls made with the payment's
	// idempotency key (more than 1 after a retry; still one charge).
	ProviderAttempts int `json:"provider_attempts"`
}

// New defines the payment functions; each one's handler is a method below.
func New(d Deps) ([]inngest.ServableFunction, error) {
	charge, err1 := inngest.NewFunction(d.Client, inngest.FunctionOpts{
		ID:      "charge-payment",
		Retries: 3,
		// The charge (card, amount) is sealed before the engine stores it.
		Middleware: middlewares(d.Encryption),
		// Two guards against charging twice:
		//  1. the function runs at most once per payment id (24 h), however
		//     many times the event is sent (double clicks, client retries);
		//  2. the charge step passes the same id to the provider as its
		//     idempotency key, so a retried step cannot charge again.
		Idempotency: "event.data.payment_id",
	}, inngest.OnEvent(paymentevents.PaymentRequested), d.chargePayment,
		// A per-function failure handler: runs once if every attempt failed.
		inngest.OnFailure(d.tellCustomerPaymentFailed))
	payout, err2 := inngest.NewFunction(d.Client, inngest.FunctionOpts{ID: "pay-bounty", Idempotency: "event.data.ticket_id"},
		inngest.OnEvent(paymentevents.PayoutRequested), d.payBounty)
	return []inngest.ServableFunction{charge, payout}, errors.Join(err1, err2)
}

// chargePayment is charge-payment: charge the card (retried without charging
// twice), mark the ticket paid and e-mail a receipt.
func (d Deps) chargePayment(ctx context.Context, in inngest.Input[paymentevents.PaymentRequestedData]) (ChargeResult, error) {
	p := in.Event.Data
	c, err := step.Run(ctx, "charge-card", func(ctx context.Context) (store.Charge, error) {
		return d.Payments.Charge(ctx, providers.ChargeRequest{
			IdempotencyKey: p.PaymentID, UserID: p.UserID, TicketID: p.TicketID, AmountCents: p.Secret.AmountCents,
		})
	})
	if err != nil {
		return ChargeResult{}, err
	}
	customer, err := step.Run(ctx, "mark-ticket-paid", func(ctx context.Context) (store.User, error) {
		if err := d.Store.SetTicketStatus(ctx, p.TicketID, store.TicketPaid); err != nil {
			return store.User{}, err
		}
		return d.Store.User(ctx, p.UserID)
	})
	if err != nil {
		return ChargeResult{}, err
	}
	_, err = step.SendEvent(ctx, "send-receipt", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: customer.ID, To: customer.Email, Template: "receipt", Ref: p.PaymentID,
		Subject: "Your receipt",
		Body:    fmt.Sprintf("We charged $%d.%02d for ticket %s (charge %s).", c.AmountCents/100, c.AmountCents%100, p.TicketID, c.ID),
	}))
	if err != nil {
		return ChargeResult{}, err
	}
	attempts, err := step.Run(ctx, "count-provider-attempts", func(ctx context.Context) (int, error) {
		c, err := d.Store.ChargeByKey(ctx, p.PaymentID)
		return c.Attempts, err
	})
	return ChargeResult{ChargeID: c.ID, AmountCents: c.AmountCents, ProviderAttempts: attempts}, err
}

// tellCustomerPaymentFailed is charge-payment's failure handler: it e-mails
// the customer once every attempt has failed.
func (d Deps) tellCustomerPaymentFailed(ctx context.Context, in inngest.FailureInput[paymentevents.PaymentRequestedData]) error {
	u, err := d.Store.User(ctx, in.Event.Data.UserID)
	if err != nil {
		return err
	}
	_, err = step.SendEvent(ctx, "tell-customer", notificationevents.EmailRequested.New(notificationevents.EmailRequestedData{
		UserID: u.ID, To: u.Email, Template: "payment-failed", Ref: in.Event.Data.PaymentID,
		Subject: "Your payment did not go through",
		Body:    "We could not charge your card: " + in.Error.Message,
	}))
	return err
}

func middlewares(m ...*inngest.Middleware) []*inngest.Middleware {
	var out []*inngest.Middleware
	for _, x := range m {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}
