// Package authevents defines the auth domain's events: one typed definition per
// event name, used by the API routes that send them and the functions they
// trigger.
package authevents
