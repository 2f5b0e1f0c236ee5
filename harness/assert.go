package harness

import (
	"fmt"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// Pattern selects markers by name and, optionally, detail:
//
//	"STREAM CLOSING"                  the name exactly
//	"SSE EVENT*"                      names starting with "SSE EVENT"
//	"REQUEST BODY ~ Received 0 bytes" and a detail containing the text
type Pattern string

// Named is the pattern of one marker name exactly, built from the
// catalog's constants: Named(markers.StreamClosing).
func Named(name markers.Name) Pattern { return Pattern(name) }

// Prefixed is the pattern of the names starting with name, such as the
// counted "SSE EVENT 0", "SSE EVENT 1": Prefixed(markers.SSEEvent).
func Prefixed(name markers.Name) Pattern { return Pattern(name) + "*" }

// WithDetail narrows p to markers whose detail contains text.
func (p Pattern) WithDetail(text string) Pattern { return p + " ~ " + Pattern(text) }

// Match reports whether m matches p.
func (p Pattern) Match(m markers.Event) bool {
	name, detail, hasDetail := strings.Cut(string(p), " ~ ")
	name = strings.TrimSpace(name)
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		if !strings.HasPrefix(string(m.Name), strings.TrimSpace(prefix)) {
			return false
		}
	} else if string(m.Name) != name {
		return false
	}
	return !hasDetail || strings.Contains(m.Detail, strings.TrimSpace(detail))
}

// Markers is a sequence of markers with assertions on it. Every assertion
// returns nil or an error that states the expectation and shows the
// actual marker lines around where it failed.
type Markers []markers.Event

// ForSession keeps the markers of one MCP session.
func (ms Markers) ForSession(id string) Markers {
	return ms.filter(func(m markers.Event) bool { return m.SessionID == id })
}

// ForRequest keeps the markers of one HTTP request (one stream).
func (ms Markers) ForRequest(id string) Markers {
	return ms.filter(func(m markers.Event) bool { return m.RequestID == id })
}

// Matching keeps the markers matching p.
func (ms Markers) Matching(p Pattern) Markers { return ms.filter(p.Match) }

func (ms Markers) filter(keep func(markers.Event) bool) Markers {
	var out Markers
	for _, m := range ms {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

// Requests returns the distinct request ids, in order of first appearance.
func (ms Markers) Requests() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if m.RequestID != "" && !seen[m.RequestID] {
			seen[m.RequestID] = true
			out = append(out, m.RequestID)
		}
	}
	return out
}

// InOrder requires markers matching ps to appear in this order; other
// markers may come in between.
func (ms Markers) InOrder(ps ...Pattern) error {
	at := 0
	var found []int
	for k, p := range ps {
		i := at
		for i < len(ms) && !p.Match(ms[i]) {
			i++
		}
		if i == len(ms) {
			var want strings.Builder
			for j, q := range ps {
				state := "MISSING"
				switch {
				case j < k:
					state = fmt.Sprintf("found, marker #%d", ms[found[j]].Seq)
				case j == k && k > 0:
					state = fmt.Sprintf("NOT FOUND after marker #%d", ms[found[k-1]].Seq)
				case j == k:
					state = "NOT FOUND"
				}
				fmt.Fprintf(&want, "  %d. %-40s %s\n", j+1, q, state)
			}
			if inAll := ms.Matching(p); len(inAll) > 0 && k > 0 {
				fmt.Fprintf(&want, "  (%q does appear, as marker #%d, but before the previous one)\n", p, inAll[0].Seq)
			}
			center := len(ms) - 1
			if k > 0 {
				center = found[k-1]
			}
			return fmt.Errorf("markers not in order; want:\n%s%s", want.String(), ms.around(center, 4))
		}
		found = append(found, i)
		at = i + 1
	}
	return nil
}

// Absent requires no marker to match p.
func (ms Markers) Absent(p Pattern) error {
	for i, m := range ms {
		if p.Match(m) {
			return fmt.Errorf("want no %q, found marker #%d:\n%s", p, m.Seq, ms.around(i, 3))
		}
	}
	return nil
}

// Count requires exactly n markers matching p.
func (ms Markers) Count(p Pattern, n int) error {
	got := ms.Matching(p)
	if len(got) == n {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "want %d %q, found %d", n, p, len(got))
	if len(got) > 0 {
		b.WriteString(":\n")
		for _, m := range got {
			fmt.Fprintf(&b, "  #%-4d %s\n", m.Seq, m)
		}
	} else {
		b.WriteString("; the log was:\n" + ms.around(len(ms)-1, 8))
	}
	return fmt.Errorf("%s", b.String())
}

// Within requires a marker matching then to follow the first marker
// matching first by less than d (by the markers' own timestamps).
func (ms Markers) Within(first, then Pattern, d time.Duration) error {
	for i, m := range ms {
		if !first.Match(m) {
			continue
		}
		for j := i + 1; j < len(ms); j++ {
			if then.Match(ms[j]) {
				if gap := ms[j].Time.Sub(m.Time); gap >= d || m.Time.IsZero() {
					return fmt.Errorf("want %q within %s of %q, took %s (markers #%d, #%d):\n%s", then, d, first, gap, m.Seq, ms[j].Seq, ms.around(j, 3))
				}
				return nil
			}
		}
		return fmt.Errorf("want %q within %s of %q, which came at marker #%d; it never followed:\n%s", then, d, first, m.Seq, ms.around(i, 4))
	}
	return fmt.Errorf("want %q within %s of %q, which never came:\n%s", then, d, first, ms.around(len(ms)-1, 6))
}

// around shows the marker lines within n of index i, pointing at i.
func (ms Markers) around(i, n int) string {
	if len(ms) == 0 {
		return "actual markers: none\n"
	}
	var b strings.Builder
	b.WriteString("actual markers:\n")
	lo, hi := max(0, i-n), min(len(ms), i+n+1)
	if lo > 0 {
		fmt.Fprintf(&b, "     ... %d earlier\n", lo)
	}
	for j := lo; j < hi; j++ {
		arrow := "  "
		if j == i {
			arrow = "> "
		}
		fmt.Fprintf(&b, "%s#%-4d %s\n", arrow, ms[j].Seq, ms[j])
	}
	if hi < len(ms) {
		fmt.Fprintf(&b, "     ... %d later\n", len(ms)-hi)
	}
	return b.String()
}

// ServerStreamMarkers names the markers that open a server-side stream,
// record one event on it, and close it. The zero value means the seed's
// vocabulary (markers/names.go).
type ServerStreamMarkers struct {
	Open, Event, Close Pattern
}

func (s ServerStreamMarkers) withDefaults() ServerStreamMarkers {
	if s.Open == "" {
		s.Open = Named(markers.SSEStreamStart)
	}
	if s.Event == "" {
		s.Event = Prefixed(markers.SSEEvent)
	}
	if s.Close == "" {
		s.Close = Named(markers.StreamClosing)
	}
	return s
}

// ServerTimelines builds a server-side timeline per request that opened a
// stream, from its markers: opened at Open, one event per Event, closed at
// Close with the close marker's detail as the reason ("server: detail").
// A stream with no Close marker has Reason "" and Closed at its last marker.
func (ms Markers) ServerTimelines(names ServerStreamMarkers) []Timeline {
	names = names.withDefaults()
	var out []Timeline
	var base time.Time
	for _, m := range ms {
		if !m.Time.IsZero() {
			base = m.Time
			break
		}
	}
	for _, req := range ms.Requests() {
		mine := ms.ForRequest(req)
		var tl *Timeline
		var opened time.Time
		for _, m := range mine {
			switch {
			case tl == nil && names.Open.Match(m):
				opened = m.Time
				tl = &Timeline{Interaction: -1, URL: "req=" + req, Opened: m.Time.Sub(base)}
			case tl == nil:
			case names.Event.Match(m):
				tl.Events = append(tl.Events, StreamEvent{At: m.Time.Sub(opened), Event: m.Detail})
			case names.Close.Match(m):
				tl.Closed, tl.Reason = m.Time.Sub(opened), EndReason("server: "+m.Detail)
			}
			if tl != nil && tl.Reason == "" {
				tl.Closed = m.Time.Sub(opened)
			}
		}
		if tl != nil {
			out = append(out, *tl)
		}
	}
	return out
}
