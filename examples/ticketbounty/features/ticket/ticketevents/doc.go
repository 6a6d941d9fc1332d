// Package ticketevents defines the ticket domain's events.
package ticketevents
