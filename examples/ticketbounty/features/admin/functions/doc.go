// Package functions holds the admin domain's Inngest functions: the daily
// digest (figures gathered by parallel steps, then one event fanned out to
// an e-mail function and a Discord function) and the global failure handler.
package functions
