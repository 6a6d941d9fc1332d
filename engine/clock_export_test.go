package engine

// ClockSubscribersForTest returns how many schedulers c wakes when time moves.
func ClockSubscribersForTest(c *VirtualClock) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.notify)
}
