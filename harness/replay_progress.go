package harness

import "sync"

// ReplayProgress is a snapshot of a replay in flight, for a progress line
// (ReplayOptions.Progress).
type ReplayProgress struct {
	// Total is the number of interactions in the cassette.
	Total int
	// Done is how many have finished (answered and read, or given up).
	Done int
	// Open is how many have been sent and not finished: the streams still
	// open, a listen stream among them.
	Open int
}

// progressCounter counts interactions as they start and finish and calls
// report (serially) after each change. The zero report does nothing.
type progressCounter struct {
	mu      sync.Mutex
	p       ReplayProgress
	started map[int]bool
	report  func(ReplayProgress)
}

func newProgressCounter(total int, report func(ReplayProgress)) *progressCounter {
	return &progressCounter{p: ReplayProgress{Total: total}, started: map[int]bool{}, report: report}
}

// start notes that interaction i was sent.
func (c *progressCounter) start(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started[i] = true
	c.p.Open++
	if c.report != nil {
		c.report(c.p)
	}
}

// finish notes that interaction i ended, sent or not.
func (c *progressCounter) finish(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started[i] {
		c.p.Open--
	}
	c.p.Done++
	if c.report != nil {
		c.report(c.p)
	}
}
