package runtype

import "slices"

// Clone returns a copy of the run that shares nothing with r but its raw
// JSON values (json.RawMessage), which are never modified in place: its
// slices, its steps' errors and its error are copied.
func (r Run) Clone() Run {
	c := r
	c.EventIDs = slices.Clone(r.EventIDs)
	c.Events = slices.Clone(r.Events)
	c.Steps = slices.Clone(r.Steps)
	for i := range c.Steps {
		s := &c.Steps[i]
		s.Error, s.LastError = cloneStepError(s.Error), cloneStepError(s.LastError)
	}
	c.History = slices.Clone(r.History)
	for i := range c.History {
		if a := c.History[i].AI; a != nil {
			cp := *a
			c.History[i].AI = &cp
		}
	}
	c.Waits = slices.Clone(r.Waits)
	if r.Error != nil {
		e := *r.Error
		c.Error = &e
	}
	return c
}

// cloneStepError copies a step's error (nil stays nil).
func cloneStepError(e *StepError) *StepError {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}
