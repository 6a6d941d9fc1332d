package runtype

import (
	"bytes"
	"fmt"
	"strings"
)

// maxShownHistory bounds the History entries String shows.
const maxShownHistory = 40

// String renders the run for failure messages: its status, error, output,
// steps and latest History entries (at most 40).
func (r Run) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s of %s: %s", r.ID, r.FunctionID, r.Status)
	if ev := r.EventName(); ev != "" {
		fmt.Fprintf(&b, " (event %s", ev)
		if len(r.EventIDs) > 0 {
			fmt.Fprintf(&b, " %s", r.EventIDs[0])
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", attempts %d, calls %d\n", r.Attempts, r.Calls)
	if r.Error != nil {
		fmt.Fprintf(&b, "    error: %s: %s\n", r.Error.Name, r.Error.Message)
	}
	if len(r.Output) > 0 {
		fmt.Fprintf(&b, "    output: %s\n", clip(r.Output, 300))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "    step %q %s attempts=%d done=%t", s.Name, s.Op, s.Attempts, s.Done)
		if s.Error != nil {
			fmt.Fprintf(&b, " error=%q", s.Error.Message)
		} else if len(s.Result) > 0 {
			fmt.Fprintf(&b, " result=%s", clip(s.Result, 120))
		}
		b.WriteString("\n")
	}
	hist := r.History
	if len(hist) > maxShownHistory {
		// The engine itself may have dropped some (MaxHistory).
		fmt.Fprintf(&b, "    … %d earlier history entries\n", len(hist)-maxShownHistory+r.HistoryDropped)
		hist = hist[len(hist)-maxShownHistory:]
	}
	for _, h := range hist {
		fmt.Fprintf(&b, "    %s %-10s %s", h.Time.Format("2006-01-02T15:04:05.000"), h.Kind, h.StepID)
		if h.Status != 0 {
			fmt.Fprintf(&b, " %d", h.Status)
		}
		if h.Detail != "" {
			fmt.Fprintf(&b, " %s", h.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Waiting reports whether the run has a pending wait for an event named
// eventName.
func (r Run) Waiting(eventName string) bool {
	for _, w := range r.Waits {
		if w.Event == eventName {
			return true
		}
	}
	return false
}

// clip returns b without surrounding white space, cut to n bytes with "…"
// when it is longer: for showing JSON values in messages.
func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
