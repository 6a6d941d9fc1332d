// Package handlers holds the payment domain's HTTP route.
package handlers
