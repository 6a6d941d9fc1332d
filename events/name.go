package events

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidName is wrapped by every error about an event name that breaks
// the naming convention (see CheckName).
var ErrInvalidName = errors.New("inngest: invalid event name")

// MaxNameLength is the longest event name this package accepts, in bytes.
const MaxNameLength = 255

// internalPrefix starts the names the server reserves for its own events.
const internalPrefix = "inngest/"

// conventionHint is the advice every convention error ends with.
const conventionHint = `use "<prefix>/<feature>.<action>" in lower case, e.g. "app/user.created" (or events.AllowAnyName())`

// Named is anything that carries an event name: a Definition, or a Name.
type Named interface {
	// EventName returns the event's name, e.g. "app/user.created".
	EventName() string
}

// Name is a bare event name, for interop with events that have no Go
// definition. It is not checked against the convention.
type Name string

// EventName returns n itself.
func (n Name) EventName() string { return string(n) }

// CheckName reports whether name follows the convention
// "<prefix>/<feature>.<action>": lower case, at least one dot after the
// single slash, every segment made of lower-case letters, digits, '-' and
// '_'; the feature part may itself be dotted ("app/user.profile.updated").
// Names starting with "inngest/" are reserved for the server's internal
// events and are rejected. The returned error wraps ErrInvalidName.
func CheckName(name string) error {
	return checkName(name, false, false)
}

// checkName applies the length rules always, and the convention unless
// allowAny; the reserved "inngest/" prefix passes only with allowInternal.
func checkName(name string, allowAny, allowInternal bool) error {
	switch {
	case name == "":
		return nameError(name, "the name is empty")
	case len(name) > MaxNameLength:
		return nameError(name, fmt.Sprintf("the name is %d bytes long, the limit is %d", len(name), MaxNameLength))
	case allowAny:
		return nil
	case strings.HasPrefix(name, internalPrefix) && !allowInternal:
		return nameError(name, `names starting with "inngest/" are reserved for the server's internal events`)
	case !followsConvention(name):
		return nameError(name, conventionHint)
	}
	return nil
}

// nameError wraps ErrInvalidName, quoting the offending name (shortened
// when very long).
func nameError(name, reason string) error {
	shown := name
	if len(shown) > 64 {
		shown = shown[:64] + "..."
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidName, shown, reason)
}

// followsConvention checks "<segment>/<segment>(.<segment>)+".
func followsConvention(name string) bool {
	prefix, rest, ok := strings.Cut(name, "/")
	if !ok || !isSegment(prefix) {
		return false
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !isSegment(p) {
			return false
		}
	}
	return true
}

// isSegment reports whether s is non-empty and only [a-z0-9_-].
func isSegment(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
