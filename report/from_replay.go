package report

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// FromReplayOptions says what FromReplay cannot read from the replay
// itself. Nil means none of it.
type FromReplayOptions struct {
	// Title; empty means "replay of N interactions against TARGET".
	Title string
	// TimeScale is the world time scale the tunnel and server ran at; 0
	// means the replay's (harness.Report.TimeScale).
	TimeScale timescale.Scale
	// Profile and Toxics are the tunnel the replay went through.
	Profile string
	Toxics  []toxics.AppliedToxic
	// Markers the server logged during the replay (wall-clock times).
	Markers harness.Markers
	// Findings to show; nil means the replay's own (harness findings,
	// the one rule book replay, check and the matrix decide by).
	Findings []Finding
}

// FromReplay builds the session of one replay of c: every live timeline
// beside its recording (offsets scaled by the replay's time scale), the
// recorded request (secrets still placeholders), the differences, and the
// server's markers on the replay's clock.
func FromReplay(c *harness.Cassette, rep *harness.Report, opts *FromReplayOptions) *Session {
	if opts == nil {
		opts = &FromReplayOptions{}
	}
	s := &Session{
		Title:     opts.Title,
		Start:     rep.Start,
		Profile:   opts.Profile,
		TimeScale: opts.TimeScale,
		LateAfter: rep.LateAfter,
	}
	if s.TimeScale == 0 {
		s.TimeScale = rep.TimeScale
	}
	// Recorded offsets ran at the world scale times the pace.
	pace := rep.Pace
	if pace <= 0 {
		pace = 1
	}
	if s.Title == "" {
		s.Title = fmt.Sprintf("replay of %d interactions against %s", len(rep.Results), rep.Target)
	}
	s.Source = fmt.Sprintf("recorded %s from client %q against %s, through %q; replayed against %s",
		c.Provenance.Recorded.UTC().Format("2006-01-02 15:04"), c.Provenance.Client, c.Provenance.Upstream, c.Provenance.Tunnel, rep.Target)
	if rep.Through != "" {
		s.Source += " through " + rep.Through
	}
	for _, a := range opts.Toxics {
		if a.Type == toxics.RequestLogType {
			continue // plumbing for the HTTP-aware toxics, not a condition
		}
		s.Toxics = append(s.Toxics, Toxic{Type: string(a.Type), Stream: string(a.Stream), Attributes: a.Attributes, Why: a.Why})
	}
	for _, res := range rep.Results {
		if res.Interaction < 0 || res.Interaction >= len(c.Interactions) {
			continue
		}
		in := c.Interactions[res.Interaction]
		rec := scaleTimeline(in.Stream, rep.TimeScale.Factor()*pace)
		e := Exchange{
			Index:         res.Interaction,
			Name:          exchangeName(in),
			Live:          res.Timeline,
			Recorded:      &rec,
			RequestHeader: in.Request.Headers,
			RequestBody:   in.Request.Body,
		}
		if e.Live.URL == "" {
			e.Live.URL = in.Request.URL
		}
		e.Live.Events = placeholderIDs(e.Live.Events, in.Stream.Events)
		for _, d := range res.Differences {
			line := fmt.Sprintf("%s: %s", d.Where, d.Detail)
			switch {
			case d.Allowed:
				line += " (allowed)"
			case d.Added:
				line += " (added)"
			}
			e.Differences = append(e.Differences, line)
		}
		s.Exchanges = append(s.Exchanges, e)
	}
	s.Markers = alignMarkers(opts.Markers, rep.Start, s.span())
	s.Findings = opts.Findings
	if s.Findings == nil {
		s.Findings = FromFindings(rep.Findings())
	}
	n, bad := len(rep.Differences()), len(rep.Failures())
	s.Notes = append(s.Notes, fmt.Sprintf("replay time scale %g, pace %g; %d differences from the recording (%d not allowed)", rep.TimeScale, pace, n, bad))
	return s
}

// FromFindings turns the replayer's findings into the report's; none
// reads as one Fine finding, so a page always says how it went.
func FromFindings(fs []harness.Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		name := string(f.Name)
		if f.Allowed {
			name += " (allowed)"
		}
		out = append(out, Finding{Name: name, Severity: Severity(f.Severity), Diagnosis: f.Diagnosis,
			Evidence: f.Evidence, Exchange: f.Interaction})
	}
	if len(out) == 0 {
		out = append(out, Finding{Name: "as-recorded", Severity: Fine, Exchange: -1, Diagnosis: "every exchange and every event as recorded"})
	}
	return out
}

// placeholderRE is a cassette's placeholder (harness.Redactor).
var placeholderRE = regexp.MustCompile(`^__[A-Z_]+_[0-9]+__$`)

// placeholderIDs shows live event ids as the recording does where the
// recording has a placeholder (__EVENT_ID_3__ for a resumable stream's
// id: it names the stream), as the replayer's own report shows live
// secrets: the n-th live data event is the n-th recorded one. An id
// beyond the recording is cut to its first characters.
func placeholderIDs(live, recorded []harness.StreamEvent) []harness.StreamEvent {
	var rec []string
	for _, e := range recorded {
		if !e.Comment {
			rec = append(rec, e.ID)
		}
	}
	out := make([]harness.StreamEvent, len(live))
	n := 0
	for i, e := range live {
		out[i] = e
		if e.Comment {
			continue
		}
		switch {
		case e.ID == "":
		case n < len(rec) && placeholderRE.MatchString(rec[n]):
			out[i].ID = rec[n]
		case n >= len(rec) && len(e.ID) > 8:
			out[i].ID = e.ID[:4] + "…"
		}
		n++
	}
	return out
}

// alignMarkers puts markers on the clock that starts at start. Markers
// without a time cannot be placed, and those outside the session (a
// server log holds every earlier session too) are not about it: both are
// left out. A second past the last exchange is kept, for the server's
// late STREAM CLOSING lines.
func alignMarkers(ms harness.Markers, start time.Time, span time.Duration) []Marker {
	var out []Marker
	for _, m := range ms {
		if m.Time.IsZero() || start.IsZero() {
			continue
		}
		at := m.Time.Sub(start)
		if at < -10*time.Millisecond || at > span+time.Second {
			continue
		}
		out = append(out, Marker{At: max(at, 0), Name: string(m.Name), Detail: m.Detail})
	}
	return out
}

// scaleTimeline returns tl with every offset multiplied by scale.
func scaleTimeline(tl harness.Timeline, scale float64) harness.Timeline {
	if scale <= 0 {
		scale = 1
	}
	f := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	out := tl
	out.Opened, out.Headers, out.FirstByte, out.Closed = f(tl.Opened), f(tl.Headers), f(tl.FirstByte), f(tl.Closed)
	out.Events = make([]harness.StreamEvent, len(tl.Events))
	for i, e := range tl.Events {
		e.At = f(e.At)
		out.Events[i] = e
	}
	return out
}

// exchangeName is "POST /mcp tools/call notify", "GET /mcp (listen)".
func exchangeName(in *harness.Interaction) string {
	path := in.Request.URL
	if u, err := url.Parse(in.Request.URL); err == nil {
		path = u.Path
	}
	name := in.Request.Method + " " + path
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	switch {
	case json.Unmarshal([]byte(in.Request.Body), &msg) == nil && msg.Method != "":
		name += " " + msg.Method
		if msg.Params.Name != "" {
			name += " " + msg.Params.Name
		}
	case strings.HasPrefix(strings.TrimSpace(in.Request.Body), "["):
		name += " (batch)"
	case in.Request.Method == "GET" && strings.HasPrefix(in.Response.Headers.Get("Content-Type"), "text/event-stream"):
		name += " (listen)"
	}
	return name
}
