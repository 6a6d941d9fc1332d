package flow

import (
	"strings"
	"sync"
)

// Singleton modes, as in the function's `singleton.mode`.
const (
	SingletonSkip   = "skip"   // a new run is dropped while one is running
	SingletonCancel = "cancel" // the running run is cancelled and the new one starts
)

// Singleton allows one run per key at a time.
type Singleton struct {
	mu      sync.Mutex
	cancel  bool
	running map[string]string // key → run ID
}

// NewSingleton returns a singleton guard for mode "skip" or "cancel"
// (case-insensitive); any other mode is an error.
func NewSingleton(mode string) (*Singleton, error) {
	var cancel bool
	switch strings.ToLower(mode) {
	case SingletonSkip:
	case SingletonCancel:
		cancel = true
	default:
		return nil, errorf("singleton mode must be %q or %q, got %q", SingletonSkip, SingletonCancel, mode)
	}
	return &Singleton{cancel: cancel, running: make(map[string]string)}, nil
}

// Start asks to start runID under key. When no run holds the key (or
// runID already does) it returns start true. Otherwise, in skip mode it
// returns start false (drop the new run); in cancel mode runID takes the
// key and cancelRunID names the run the caller must cancel.
func (s *Singleton) Start(key, runID string) (start bool, cancelRunID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.running[key]
	if !ok || cur == runID {
		s.running[key] = runID
		return true, ""
	}
	if !s.cancel {
		return false, ""
	}
	s.running[key] = runID
	return true, cur
}

// Done frees key if runID holds it; a run that was replaced (cancel mode)
// does nothing.
func (s *Singleton) Done(key, runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[key] == runID {
		delete(s.running, key)
	}
}

// Running returns the run ID holding key, if any.
func (s *Singleton) Running(key string) (runID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runID, ok = s.running[key]
	return runID, ok
}
