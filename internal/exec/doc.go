// Package exec is the execution core of the SDK: it runs one call of a user function
// against the memoized state the server sent, lets step tools short-circuit completed
// steps, stops the function with runtime.Goexit when it must report an op (no recover
// in user code can intercept that), and turns the outcome into one protocol response.
package exec
