// Package functions holds the auth domain's Inngest functions: the welcome
// e-mail, the password-reset e-mail and the onboarding workflow that waits
// up to a week for the user to verify their address.
package functions
