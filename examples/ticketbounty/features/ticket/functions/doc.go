// Package functions holds the ticket domain's Inngest functions: ticket
// processing (validate, sleep, assign, notify) and the reminder sent to the
// assignee 24 hours after assignment.
package functions
