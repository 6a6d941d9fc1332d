// Package handlers holds the ticket domain's HTTP routes.
package handlers
