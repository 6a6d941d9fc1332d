// Package events defines the payment domain's events.
package events
