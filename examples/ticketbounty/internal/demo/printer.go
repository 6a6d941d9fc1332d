package demo

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Printer writes timestamped lines; it is safe for concurrent use.
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	muted bool
}

// NewPrinter returns a printer writing to w; times are relative to now.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w, start: time.Now()} }

// Printf writes one line prefixed with the time since the printer started.
func (p *Printer) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.muted {
		return
	}
	fmt.Fprintf(p.w, "[%6.2fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// Plainf writes one line as is.
func (p *Printer) Plainf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// Mute drops Printf lines (the progress narration) until Unmute; Plainf still
// writes. The summary is printed muted so that a late progress line can never
// follow the verdict.
func (p *Printer) Mute() {
	p.mu.Lock()
	p.muted = true
	p.mu.Unlock()
}

// Unmute lets Printf lines through again.
func (p *Printer) Unmute() {
	p.mu.Lock()
	p.muted = false
	p.mu.Unlock()
}
