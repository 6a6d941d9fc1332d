// Package jsonapi holds the small JSON request/response helpers the
// feature handlers share, and the Sender interface they send events with.
package jsonapi
