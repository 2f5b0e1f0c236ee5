package server

import (
	"time"
)

// defaultKeepalive is the interval of SSE comments on an idle stream when
// Config.Keepalive is 0. Cloudflare cuts a quiet connection after 100 s
// (125 s measured) and mcp-remote users saw 524s (field failure 11): 15 s
// stays well inside every idle timeout in the field notes.
const defaultKeepalive = 15 * time.Second

// keepaliveInterval returns the scaled interval of idle-stream comments, or
// 0 when keepalive is off (Config.Keepalive KeepaliveOff, a fault's
// keepalive hook, or a fault's own handler, which sends only what it writes).
func (e *mcpEndpoints) keepaliveInterval(replaced bool) time.Duration {
	if replaced || e.cfg.Keepalive < 0 {
		return 0
	}
	d := e.cfg.Keepalive
	if d == 0 {
		d = defaultKeepalive
	}
	return e.faults.keepalive(e, e.scaled(d))
}

// streamClock calls its function once the stream has been quiet for d.
type streamClock struct {
	d time.Duration
	t *time.Timer
}

// addClock gives an SSE response a clock: after d without a write it calls
// due, and every write (an event or a comment, see touch) restarts it. The
// keepalive clock sends an SSE comment (the seed's "Fix A": `yield ":\n\n"`
// on a 30 s timeout); a fault may add its own (idle-close). A zero d adds
// none. They are timers, not a goroutine per stream: a held listen stream
// costs no goroutine of ours, and a write resets a timer instead of waking
// one. due runs without ow.mu, never after the response finished. The
// caller holds ow.mu.
func (ow *observedWriter) addClock(d time.Duration, due func()) {
	if d <= 0 {
		return
	}
	ow.clocks = append(ow.clocks, streamClock{d: d, t: time.AfterFunc(d, func() {
		ow.mu.Lock()
		finished := ow.finished
		ow.mu.Unlock()
		if !finished {
			due()
		}
	})})
}

// restartClocks restarts the clocks after a write. The caller holds ow.mu.
func (ow *observedWriter) restartClocks() {
	for _, c := range ow.clocks {
		c.t.Reset(c.d)
	}
}

// stopClocks stops the clocks for good. The caller holds ow.mu; a clock
// that already fired finds ow.finished set and does nothing.
func (ow *observedWriter) stopClocks() {
	for _, c := range ow.clocks {
		c.t.Stop()
	}
}

// silence stops the clocks for a fault that killed the response: a dead
// server sends no comment.
func (ow *observedWriter) silence() {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	ow.stopClocks()
}

// keepaliveDue runs when the stream has been quiet for the interval.
func (ow *observedWriter) keepaliveDue() {
	_ = ow.writeComment("keepalive") // a broken stream gets none
}
