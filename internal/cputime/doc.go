// Package cputime reads the CPU time the process has used, for the
// cpu-ns/op and CPU-per-run figures of the module's benchmarks and load test.
package cputime
