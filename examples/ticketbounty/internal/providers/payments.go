package providers

import (
	"context"
	"errors"
	"sync"

	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/store"
)

// ChargeRequest asks for money. IdempotencyKey must be stable across
// retries of the same payment: the provider charges once per key.
type ChargeRequest struct {
	IdempotencyKey string
	UserID         string
	TicketID       string
	AmountCents    int64
}

// Payments charges customers.
type Payments interface {
	Charge(ctx context.Context, req ChargeRequest) (store.Charge, error)
}

// LocalPayments records charges in the charges table, whose UNIQUE
// idempotency key makes a repeated request return the first charge, as real
// gateways do with an Idempotency-Key header.
type LocalPayments struct {
	Store *store.Store
}

// Charge charges once per idempotency key.
func (p *LocalPayments) Charge(ctx context.Context, req ChargeRequest) (store.Charge, error) {
	if req.IdempotencyKey == "" {
		return store.Charge{}, errors.New("payments: an idempotency key is required")
	}
	c, _, err := p.Store.ChargeOnce(ctx, req.IdempotencyKey, req.UserID, req.TicketID, req.AmountCents)
	return c, err
}

// ErrGatewayTimeout is what FlakyPayments returns after charging: the money
// moved, but the caller never heard back.
var ErrGatewayTimeout = errors.New("payments: gateway timeout (the card was charged, the reply was lost)")

// FlakyPayments wraps a provider and loses the reply of the first request
// for each idempotency key, after the charge went through: the worst case
// for a naive retry, and the reason charges need idempotency keys.
type FlakyPayments struct {
	Inner Payments

	mu   sync.Mutex
	seen map[string]bool
}

// Charge forwards to Inner, then fails the first attempt of each key.
func (p *FlakyPayments) Charge(ctx context.Context, req ChargeRequest) (store.Charge, error) {
	c, err := p.Inner.Charge(ctx, req)
	if err != nil {
		return c, err
	}
	p.mu.Lock()
	first := !p.seen[req.IdempotencyKey]
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[req.IdempotencyKey] = true
	p.mu.Unlock()
	if first {
		return store.Charge{}, ErrGatewayTimeout
	}
	return c, nil
}
