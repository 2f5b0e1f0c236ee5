package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows long work on stderr while it runs: on a terminal one line
// rewritten in place, otherwise plain lines, at most one a second plus the
// last. replay and check report through it:
//
//	p := newProgress(stderr, "replay")
//	p.Update(3, 12, "1 stream open")  // replay: 3/12 interactions, 1 stream open, 1.2s
//	p.Finish()
//
// It is safe for concurrent use.
type progress struct {
	w     io.Writer
	label string
	unit  string
	// tty rewrites one line with "\r"; otherwise each update that is
	// shown is its own line.
	tty   bool
	start time.Time
	now   func() time.Time
	// every is the least time between two plain lines.
	every time.Duration

	mu    sync.Mutex
	shown time.Time
	width int
}

// newProgress reports to w, labelled ("replay", "check"); the unit counts
// the work ("interactions", "cells"). Lines are rewritten in place when w
// is a terminal.
func newProgress(w io.Writer, label, unit string) *progress {
	return &progress{w: w, label: label, unit: unit, tty: isTerminal(w), start: time.Now(), now: time.Now, every: time.Second}
}

// Update shows done of total, a detail ("2 streams open") and the time
// elapsed. Plain lines are rate-limited; the line for done == total is
// always shown.
func (p *progress) Update(done, total int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	line := fmt.Sprintf("%s: %d/%d %s", p.label, done, total, p.unit)
	if detail != "" {
		line += ", " + detail
	}
	line += fmt.Sprintf(", %s", now.Sub(p.start).Round(100*time.Millisecond))
	if p.tty {
		pad := ""
		if n := p.width - len(line); n > 0 {
			pad = fmt.Sprintf("%*s", n, "")
		}
		fmt.Fprintf(p.w, "\r%s%s", line, pad)
		p.width = len(line)
		return
	}
	if done < total && now.Sub(p.shown) < p.every {
		return
	}
	p.shown = now
	fmt.Fprintln(p.w, line)
}

// Finish ends the line on a terminal, so what follows starts on its own.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

// isTerminal reports whether w is a character device (a terminal), not a
// file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// plural is "1 stream" or "2 streams".
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
