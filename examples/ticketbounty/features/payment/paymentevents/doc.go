// Package paymentevents defines the payment domain's events.
package paymentevents
