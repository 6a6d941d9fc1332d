package flow

import "fmt"

// errorf formats an error with the package-wide "inngest: " prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("inngest: "+format, args...)
}
