package server

import (
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// defaultKeepalive is the interval of SSE comments on an idle stream when
// Config.Keepalive is 0. Cloudflare cuts a quiet connection after 100 s
// (125 s measured) and mcp-remote users saw 524s (field failure 11): 15 s
// stays well inside every idle timeout in the field notes.
const defaultKeepalive = 15 * time.Second

// keepaliveInterval returns the scaled interval of idle-stream comments, or
// 0 when keepalive is off (Config.Keepalive KeepaliveOff, the no-keepalive fault, or
// the seed handler, which had none).
func (e *mcpEndpoints) keepaliveInterval(seedMode bool) time.Duration {
	if seedMode || e.cfg.Keepalive < 0 || e.faults.Has(FaultNoKeepalive) {
		return 0
	}
	d := e.cfg.Keepalive
	if d == 0 {
		d = defaultKeepalive
	}
	return e.scaled(d)
}

// idleClose returns the scaled idle-close fault duration, or 0.
func (e *mcpEndpoints) idleClose() time.Duration {
	return e.scaled(e.faults.Duration(FaultIdleClose))
}

// startClocks starts an SSE response's two clocks; every write (an event
// or a comment, see touch) restarts both:
//   - after `interval` without a write it sends an SSE comment (the seed's
//     "Fix A": `yield ":\n\n"` on a 30 s timeout);
//   - after `idle` without a write (the idle-close fault) it cancels the
//     request, as a tunnel that cuts quiet connections would.
//
// A comment counts as a write, which is exactly why keepalive defeats an
// idle cut. Zero durations disable that clock. They are timers, not a
// goroutine per stream: a held listen stream costs no goroutine of ours,
// and a write resets a timer instead of waking one. The caller holds ow.mu.
func (ow *observedWriter) startClocks(interval, idle time.Duration) {
	ow.kaEvery, ow.idleAfter = interval, idle
	if interval > 0 {
		ow.kaTimer = time.AfterFunc(interval, ow.keepaliveDue)
	}
	if idle > 0 {
		ow.idleTimer = time.AfterFunc(idle, ow.idleDue)
	}
}

// restartClocks restarts both clocks after a write. The caller holds ow.mu.
func (ow *observedWriter) restartClocks() {
	if ow.kaTimer != nil {
		ow.kaTimer.Reset(ow.kaEvery)
	}
	if ow.idleTimer != nil {
		ow.idleTimer.Reset(ow.idleAfter)
	}
}

// stopClocks stops both clocks for good. The caller holds ow.mu; a clock
// that already fired finds ow.finished set and does nothing.
func (ow *observedWriter) stopClocks() {
	if ow.kaTimer != nil {
		ow.kaTimer.Stop()
	}
	if ow.idleTimer != nil {
		ow.idleTimer.Stop()
	}
}

// keepaliveDue runs when the stream has been quiet for the interval.
func (ow *observedWriter) keepaliveDue() {
	_ = ow.writeComment("keepalive") // a finished or broken stream gets none
}

// idleDue runs when the stream has been quiet for the idle-close fault.
func (ow *observedWriter) idleDue() {
	ow.mu.Lock()
	finished := ow.finished
	ow.mu.Unlock()
	if finished {
		return
	}
	ow.e.log.Mark(ow.ctx, markers.FaultActive, "idle-close: no bytes for %s, closing the stream", ow.idleAfter)
	ow.cancel(errIdleClosed)
}

// optionalTimer is a time.Timer that may be disabled (d == 0): its channel
// is then nil and never fires.
type optionalTimer struct {
	d time.Duration
	t *time.Timer
}

func newOptionalTimer(d time.Duration) *optionalTimer {
	ot := &optionalTimer{d: d}
	if d > 0 {
		ot.t = time.NewTimer(d)
	}
	return ot
}

func (ot *optionalTimer) c() <-chan time.Time {
	if ot.t == nil {
		return nil
	}
	return ot.t.C
}

func (ot *optionalTimer) reset() {
	if ot.t != nil {
		ot.t.Reset(ot.d) // Go >= 1.23: Reset drains a fired timer
	}
}

func (ot *optionalTimer) stop() {
	if ot.t != nil {
		ot.t.Stop()
	}
}
