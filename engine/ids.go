package engine

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // UUID v5 is defined with SHA-1.
	"encoding/hex"
	"fmt"
	"strings"
)

const jobAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// newJobID returns a short lower-case alphanumeric job ID like the server's.
func newJobID() string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = jobAlphabet[int(b[i])%len(jobAlphabet)]
	}
	return string(b[:])
}

// uuidOIDNamespace is RFC 4122's OID namespace; the dev server's app IDs are
// UUID v5 of the app name in it.
var uuidOIDNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuidV5 returns the name-based UUID of name in namespace ns.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New() //nolint:gosec // see import
	h.Write(ns[:])
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = (s[6] & 0x0f) | 0x50
	s[8] = (s[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// parseUUID returns the bytes of a UUID in its canonical text form (as
// appUUID writes it); anything else gives the zero UUID.
func parseUUID(u string) [16]byte {
	var out [16]byte
	if b, err := hex.DecodeString(strings.ReplaceAll(u, "-", "")); err == nil && len(b) == len(out) {
		copy(out[:], b)
	}
	return out
}

// appUUID is the app's UUID: v5 of its name in the OID namespace (as observed).
func appUUID(appName string) string { return uuidV5(uuidOIDNamespace, appName) }

// fnUUID is a function's UUID: v5 of its slug in the app's namespace.
func fnUUID(appID, slug string) string { return uuidV5(parseUUID(appID), slug) }

// randomUUID returns a version-4 UUID.
func randomUUID() string {
	var s [16]byte
	_, _ = rand.Read(s[:])
	s[6] = (s[6] & 0x0f) | 0x40
	s[8] = (s[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}
