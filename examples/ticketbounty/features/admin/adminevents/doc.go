// Package adminevents defines the admin domain's events.
package adminevents
