package matrix

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the cells as one table per fixture, a row per profile:
//
//	PROFILE  HANDSHAKE  LISTEN STREAM  EVENTS  SERVER MARKERS  EXPECTED  DIAGNOSIS
//
// exp may be nil (no EXPECTED column verdicts).
func WriteTable(w io.Writer, cells []Cell, exp Expectations) {
	fixture := ""
	var tw *tabwriter.Writer
	flush := func() {
		if tw != nil {
			tw.Flush()
		}
	}
	for _, c := range cells {
		if c.Fixture != fixture {
			flush()
			if fixture != "" {
				fmt.Fprintln(w)
			}
			fixture = c.Fixture
			fmt.Fprintf(w, "fixture %s\n", fixture)
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  PROFILE\tHANDSHAKE\tLISTEN STREAM (GET /mcp)\tEVENTS\tSERVER MARKERS\tEXPECTED\tDIAGNOSIS")
		}
		if c.Err != "" {
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t%s\tcould not run: %s\n", c.Profile, verdict(c, exp), c.Err)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Profile, handshakeText(c), listenText(c), eventsText(c), markersText(c), verdict(c, exp), c.Diagnosis)
	}
	flush()
}

func handshakeText(c Cell) string {
	if c.Handshake {
		return "ok"
	}
	return "FAILED"
}

// listenText is the listen stream's life in a few words:
// "200 lived 41ms (server_eof), 3 pings".
func listenText(c Cell) string {
	l := c.Listen
	if l == nil {
		return "none in fixture"
	}
	if l.Status == 0 {
		return fmt.Sprintf("no headers, gave up after %s", ms1(l.Lived))
	}
	s := fmt.Sprintf("%d lived %s (%s)", l.Status, ms1(l.Lived), l.End)
	if l.Comments > 0 {
		s += fmt.Sprintf(", %d ping", l.Comments)
		if l.Comments > 1 {
			s += "s"
		}
	}
	return s
}

// eventsText is "delivered/recorded", with late ones and what the server
// says it wrote: "3/4 (1 late; server wrote 4)".
func eventsText(c Cell) string {
	s := fmt.Sprintf("%d/%d", c.EventsDelivered, c.EventsRecorded)
	if c.EventsLate > 0 {
		s += fmt.Sprintf(" (%d late)", c.EventsLate)
	}
	return s
}

func markersText(c Cell) string {
	parts := make([]string, 0, len(c.Markers))
	for _, m := range c.Markers {
		parts = append(parts, fmt.Sprintf("%s×%d", m.Label, m.Count))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// verdict compares a cell with its written-down outcome.
func verdict(c Cell, exp Expectations) string {
	if exp == nil {
		return string(c.Outcome) // nothing written down (mcpvcr check): the outcome itself
	}
	want, ok := exp.For(c.Fixture, c.Profile)
	switch {
	case !ok:
		return "NOT WRITTEN DOWN"
	case c.Err == "" && want.Allows(c.Outcome):
		return string(c.Outcome)
	default:
		got := string(c.Outcome)
		if c.Err != "" {
			got = "error"
		}
		return fmt.Sprintf("%s, WANT %s", got, want)
	}
}
