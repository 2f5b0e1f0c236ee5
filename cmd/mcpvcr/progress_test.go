package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
)

// TestProgress: on a terminal one line is rewritten in place and ended by
// Finish; otherwise plain lines, at most one a second, and always the
// last one.
func TestProgress(t *testing.T) {
	clock := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	newAt := func(tty bool) (*progress, *bytes.Buffer, func(time.Duration)) {
		var b bytes.Buffer
		p := newProgress(&b, "replay", "interactions")
		p.tty, p.start, p.now = tty, clock, func() time.Time { return clock }
		return p, &b, func(d time.Duration) { clock = clock.Add(d) }
	}

	p, b, advance := newAt(false)
	p.Update(1, 3, "1 stream open")
	advance(300 * time.Millisecond)
	p.Update(2, 3, "2 streams open") // within a second of the last line: not shown
	advance(2 * time.Second)
	p.Update(3, 3, "0 streams open")
	p.Finish()
	if got, want := b.String(), "replay: 1/3 interactions, 1 stream open, 0s\nreplay: 3/3 interactions, 0 streams open, 2.3s\n"; got != want {
		t.Errorf("plain output:\n%q\nwant\n%q", got, want)
	}

	p, b, advance = newAt(true)
	p.Update(1, 12, "2 streams open")
	advance(1500 * time.Millisecond)
	p.Update(12, 12, "")
	p.Finish()
	want := "\rreplay: 1/12 interactions, 2 streams open, 0s" + "\rreplay: 12/12 interactions, 1.5s" + strings.Repeat(" ", len("replay: 1/12 interactions, 2 streams open, 0s")-len("replay: 12/12 interactions, 1.5s")) + "\n"
	if got := b.String(); got != want {
		t.Errorf("terminal output:\n%q\nwant\n%q", got, want)
	}
	if isTerminal(b) {
		t.Error("a bytes.Buffer is a terminal")
	}
}

// TestReplayShowsProgress: a replay whose stderr is not a terminal prints
// plain progress lines, the last with every interaction done.
func TestReplayShowsProgress(t *testing.T) {
	var out, errb bytes.Buffer
	target := harnesstest.Start(t, nil).URL
	if code := run([]string{"replay", fixture, "--target", target}, &out, &errb); code != 0 {
		t.Fatalf("exit = %d\n%s%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "replay: ") || !strings.Contains(last, " interactions, 0 streams open, ") {
		t.Errorf("last progress line %q, want \"replay: N/N interactions, 0 streams open, ELAPSED\"\n%s", last, errb.String())
	}
	var done, total int
	if _, err := fmt.Sscanf(last, "replay: %d/%d", &done, &total); err != nil || done != total || total == 0 {
		t.Errorf("last progress line %q: done %d of %d, want all", last, done, total)
	}
}
