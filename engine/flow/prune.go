package flow

// minPruneSize is the map size below which pruning is not worth a scan.
const minPruneSize = 64

// pruner schedules amortised sweeps of a keyed map: a sweep runs when the
// map has doubled in size since the previous sweep, so the cost per
// operation stays O(1) while the map stays within twice its live size.
type pruner struct{ next int }

// due reports whether a map of size n should be swept now.
func (p *pruner) due(n int) bool { return n >= max(p.next, minPruneSize) }

// done records that a sweep left n live entries.
func (p *pruner) done(n int) { p.next = 2 * n }
