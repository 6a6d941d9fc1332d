// Package events defines the admin domain's events.
package events
