package runtype

// Status is the state of a run, spelled as the server's run API spells it.
type Status string

// Run statuses.
const (
	StatusQueued    Status = "Queued"
	StatusRunning   Status = "Running"
	StatusCompleted Status = "Completed"
	StatusFailed    Status = "Failed"
	StatusCancelled Status = "Cancelled"
)

// Done reports whether the status is final.
func (s Status) Done() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}
