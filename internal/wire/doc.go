// Package wire holds the JSON shapes, header names, opcodes, hashing and signature
// helpers of the Inngest SDK HTTP protocol. It is the only package that knows the
// protocol's field names; both the SDK side (package serve and the execution core) and
// the server side (the embedded engine) use it, and golden tests pin it to real captures.
package wire
