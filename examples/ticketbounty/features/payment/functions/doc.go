// Package functions holds the payment domain's Inngest function:
// charge-payment, which must never charge twice.
package functions
