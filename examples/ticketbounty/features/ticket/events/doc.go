// Package events defines the ticket domain's events.
package events
