package report

import (
	"fmt"
	"strings"
	"time"
)

// Derive reads findings from what the client saw alone: each live
// exchange against its recording. It is what a report shows when the
// caller has no findings of its own; the replayer's rule book (the
// "verdict" findings) is the authority where it exists, and callers pass
// those in instead.
func Derive(s *Session, lateAfter time.Duration) []Finding {
	if lateAfter <= 0 {
		lateAfter = s.LateAfter
	}
	if lateAfter <= 0 {
		lateAfter = DefaultLateAfter
	}
	cut := s.idleCut()
	var out []Finding
	differing := 0
	for _, e := range s.Exchanges {
		rec, live := e.Recorded, e.Live
		for _, d := range e.Differences {
			if !strings.HasSuffix(d, "(allowed)") {
				differing++
				break
			}
		}
		if rec == nil {
			if f, ok := unrecorded(s, e, cut, lateAfter); ok {
				out = append(out, f)
			}
			continue
		}
		f := Finding{Exchange: e.Index, Evidence: evidence(e)}
		recEvents, liveEvents := rec.DataEvents(), live.DataEvents()
		missing := len(recEvents) - len(liveEvents)
		cause := Cause(live, rec, cut)
		switch {
		case live.Status == 0 && rec.Status != 0 && live.Reason != "open":
			f.Name, f.Severity = "headers-held", Breaks
			f.Diagnosis = fmt.Sprintf("%s: no headers in %s (recorded %d after %s)", e.Name, human(live.Closed), rec.Status, human(rec.Headers))
			if len(recEvents) > 0 {
				f.Diagnosis += fmt.Sprintf("; %d recorded event(s) never arrived", len(recEvents))
			}
		case cause == EndIdleCut:
			f.Name, f.Severity = "idle-cut", Breaks
			f.Diagnosis = fmt.Sprintf("%s: %s after %s, recorded %d %s", e.Name, cause.label(live), human(live.Closed), rec.Status, rec.Reason)
		case live.Status != rec.Status:
			f.Name, f.Severity = "status-changed", Breaks
			f.Diagnosis = fmt.Sprintf("%s: answered %d, recorded %d", e.Name, live.Status, rec.Status)
		case cause == EndReset && rec.Reason != live.Reason:
			f.Name, f.Severity = "reset", Breaks
			f.Diagnosis = fmt.Sprintf("%s: connection reset after %s, %d of %d event(s) arrived", e.Name, human(live.Closed), len(liveEvents), len(recEvents))
		}
		if f.Name != "" {
			out = append(out, f)
			continue
		}
		late, latest, atClose := 0, time.Duration(0), true
		for i, le := range liveEvents {
			if i >= len(recEvents) {
				break
			}
			lag := le.At - recEvents[i].At
			if lag > lateAfter {
				late++
				latest = max(latest, lag)
				// "At close": the event came in the last moment of the
				// stream, released by its end, not on its own.
				atClose = atClose && live.Closed-le.At < lateAfter/4
			}
		}
		switch {
		case late > 0 && atClose:
			f.Name, f.Severity = "stream-held", Breaks
			f.Diagnosis = fmt.Sprintf("%s held by the tunnel: %d event(s) arrived %s late, at close", streamWord(e), late, human(latest))
		case late > 0:
			f.Name, f.Severity = "events-late", Degrades
			f.Diagnosis = fmt.Sprintf("%s: %d event(s) arrived up to %s late", e.Name, late, human(latest))
		case missing > 0 && live.Reason != "open":
			f.Name, f.Severity = "events-missing", Breaks
			f.Diagnosis = fmt.Sprintf("%s: %d of %d recorded event(s) never arrived before it ended (%s)", e.Name, missing, len(recEvents), cause)
		}
		if f.Name != "" {
			out = append(out, f)
		}
	}
	out = append(out, fromMarkers(s)...)
	if differing > 0 {
		out = append(out, Finding{Name: "differences", Severity: Degrades, Exchange: -1,
			Diagnosis: fmt.Sprintf("%d exchange(s) answered differently from the recording (see the differences under the exchanges)", differing)})
	}
	if len(out) == 0 {
		out = append(out, Finding{Name: "as-recorded", Severity: Fine, Exchange: -1, Diagnosis: "every exchange and every event as recorded"})
	}
	return out
}

// streamWord names a stream in a diagnosis: "listen stream" for a GET.
func streamWord(e Exchange) string {
	if e.Live.Method == "GET" || strings.HasPrefix(e.Name, "GET ") {
		return "listen stream"
	}
	return e.Name
}

// evidence is the live timeline and the recorded one, line by line.
func evidence(e Exchange) []string {
	lines := []string{"live:"}
	lines = append(lines, strings.Split(strings.TrimRight(e.Live.String(), "\n"), "\n")...)
	if e.Recorded != nil {
		lines = append(lines, "recorded (scaled to the live clock):")
		lines = append(lines, strings.Split(strings.TrimRight(e.Recorded.String(), "\n"), "\n")...)
	}
	return lines
}

// heldAfter is how late an event stream's headers must come, with every
// event only at its close, to read as held when there is no recording to
// compare with: an SSE server sends its headers at once (go-sdk,
// the TypeScript SDK and ours all do), so a quarter second, on a loaded
// machine, is no server's doing.
const heldAfter = 250 * time.Millisecond

// unrecorded judges an exchange there is no recording of (a scenario's
// own client) by its shape alone: a gateway timeout, no headers, events
// that all came at the very end of a long wait, or keepalives that kept a
// stream past the idle cut.
func unrecorded(s *Session, e Exchange, cut, lateAfter time.Duration) (Finding, bool) {
	live := e.Live
	f := Finding{Exchange: e.Index, Evidence: evidence(e)}
	events := live.DataEvents()
	cause := Cause(live, nil, cut)
	switch {
	case cause == EndIdleCut:
		f.Name, f.Severity = "idle-cut", Breaks
		f.Diagnosis = fmt.Sprintf("%s: %s after %s", e.Name, cause.label(live), s.prod(live.Closed))
		if len(events) == 0 && live.Comments() == 0 {
			f.Diagnosis += ": nothing came on it before the cut, not even a keepalive"
		}
	case live.Status == 0 && live.Reason != "open":
		f.Name, f.Severity = "no-response", Breaks
		f.Diagnosis = fmt.Sprintf("%s: no headers in %s (%s)", e.Name, s.prod(live.Closed), cause)
	case len(events) > 0 && strings.HasPrefix(live.ContentType, "text/event-stream") && live.Headers >= heldAfter &&
		live.Reason != "open" && live.Closed-events[0].At < heldAfter/4:
		f.Name, f.Severity = "stream-held", Breaks
		f.Diagnosis = fmt.Sprintf("%s held by the tunnel: headers and %d event(s) arrived only at close, after %s", streamWord(e), len(events), s.prod(live.Headers))
	case cut > 0 && live.Closed > cut && live.Comments() > 0 && cause != EndIdleCut && cause != EndReset:
		f.Name, f.Severity = "kept-alive", Fine
		f.Diagnosis = fmt.Sprintf("%s: %d keepalive comment(s) kept it open %s, past the %s idle cut (%s)",
			e.Name, live.Comments(), s.prod(live.Closed), s.prod(cut), cause)
	default:
		return f, false
	}
	return f, true
}

// fromMarkers reads what only the server can tell: a request body that
// arrived empty. Markers never decide a client-visible failure; this one
// is invisible to the client except as what follows from it.
func fromMarkers(s *Session) []Finding {
	var empty []string
	var critical string
	for _, m := range s.Markers {
		switch {
		case m.Name == "REQUEST BODY" && strings.Contains(m.Detail, "Received 0 bytes"):
			empty = append(empty, fmt.Sprintf("+%s %s %s", human(m.At), m.Name, m.Detail))
		case m.Name == "CRITICAL" && critical == "":
			critical = m.Detail
		}
	}
	if len(empty) == 0 {
		return nil
	}
	d := fmt.Sprintf("the server received %d request body(ies) empty: the tunnel dropped them (the server logged Received 0 bytes)", len(empty))
	if critical != "" {
		d += "; the server then said: " + critical
	}
	return []Finding{{Name: "body-dropped", Severity: Breaks, Diagnosis: d, Evidence: empty, Exchange: -1}}
}

// prod prints a duration of the session and, at a time scale other than
// 1, what it stands for: "500 ms (100 s at scale 1)".
func (s *Session) prod(d time.Duration) string {
	if s.TimeScale <= 0 || s.TimeScale == 1 {
		return human(d)
	}
	return fmt.Sprintf("%s (%s at scale 1)", human(d), human(time.Duration(float64(d)/s.TimeScale.Factor())))
}
