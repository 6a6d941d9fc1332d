// Package demo is ticket-bounty's short tour for newcomers: four flows (a
// background job, a sleep, a retry, a wait for a signal), driven through the
// app's HTTP API only, with every run's progress printed as the embedded
// engine reports it and the long waits passed by fast-forwarding its clock.
// What each workflow guarantees is checked by the features' tests, not here.
package demo
