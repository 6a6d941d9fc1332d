// Package handlers holds the notification domain's HTTP route: a
// transactional e-mail API for other services.
package handlers
