package matrix

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// TableOptions configures WriteTableWith. Nil means a 100-column table
// without colour.
type TableOptions struct {
	// Width is the terminal's width; 0 means 100. The compact table's rows
	// fit in it, the diagnosis wrapped below each row that has one.
	Width int
	// Color marks outcomes with ANSI colours (green ok, red broken, yellow
	// not written down). Only for a terminal: the caller decides.
	Color bool
	// Wide prints every column on one line per row (server markers and
	// the whole diagnosis), however wide that gets (--wide).
	Wide bool
}

// WriteTable prints the cells as one table per fixture, a row per
// profile, in 100 columns without colour (WriteTableWith for more).
// exp may be nil (EXPECTED shows the outcome itself).
func WriteTable(w io.Writer, cells []Cell, exp Expectations) {
	WriteTableWith(w, cells, exp, nil)
}

// WriteTableWith prints the cells as one table per fixture. The compact
// form, a row per profile and the diagnosis wrapped under it:
//
//	fixture gosdk_oauth_session
//	  PROFILE                  AUTH    LISTEN STREAM (GET /mcp)  EVENTS        OUTCOME / EXPECTED
//	  cloudflare-quick-tunnel  ok      200 1518ms eof, 9 pings   14/14 2 late  listen-held
//	      GET listen stream: 2 event(s) held until the stream closed, up to 1517.9ms late: a
//	      proxy buffers this stream (field failure 2)
//
// A row whose diagnosis is the plain "every exchange and event as
// recorded" gets no second line, an ok row with more only the more. opts.Wide prints the full table instead.
func WriteTableWith(w io.Writer, cells []Cell, exp Expectations, opts *TableOptions) {
	o := TableOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Width <= 0 {
		o.Width = 100
	}
	if o.Wide {
		writeWide(w, cells, exp, o)
		return
	}
	profileWidth := len("PROFILE")
	for _, c := range cells {
		profileWidth = max(profileWidth, utf8.RuneCountInString(string(c.Profile)))
	}
	profileWidth = min(profileWidth, 24)
	// Fixed columns: the verdict takes what is left, so a row never passes
	// the width (a narrow terminal clips the verdict, never wraps a row).
	cols := []int{profileWidth, 6, 24, 12}
	used := 2
	for _, n := range cols {
		used += n + 2
	}
	verdictWidth := max(o.Width-used, 12)
	row := func(fields []string, verdictColor string) string {
		var b strings.Builder
		b.WriteString("  ")
		for i, f := range fields[:len(cols)] {
			b.WriteString(pad(clipText(f, cols[i]), cols[i]))
			b.WriteString("  ")
		}
		v := clipText(fields[len(cols)], verdictWidth)
		b.WriteString(o.paint(verdictColor, v))
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	fixture := ""
	for _, c := range cells {
		if c.Fixture != fixture {
			if fixture != "" {
				fmt.Fprintln(w)
			}
			fixture = c.Fixture
			fmt.Fprintf(w, "fixture %s\n", fixture)
			fmt.Fprint(w, row([]string{"PROFILE", "AUTH", "LISTEN STREAM (GET /mcp)", "EVENTS", "OUTCOME / EXPECTED"}, ""))
		}
		v, color := verdict(c, exp), verdictColor(c, exp)
		if c.Err != "" {
			fmt.Fprint(w, row([]string{string(c.Profile), "-", "-", "-", v}, color))
			writeWrapped(w, "could not run: "+c.Err, o.Width)
			continue
		}
		fmt.Fprint(w, row([]string{string(c.Profile), handshakeText(c), listenShort(c), eventsText(c), v}, color))
		// An ok row says only what it adds to "as recorded".
		if d := strings.TrimPrefix(c.Diagnosis, plainOK+"; "); d != plainOK {
			writeWrapped(w, d, o.Width)
		}
	}
}

// plainOK is the diagnosis of a cell with nothing to add.
const plainOK = "every exchange and event as recorded"

// writeWide is the table with every column, one line per row.
func writeWide(w io.Writer, cells []Cell, exp Expectations, o TableOptions) {
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
		// Colour codes would count as width in tabwriter: the verdict is
		// padded first, then painted.
		v := verdict(c, exp)
		if c.Err != "" {
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t%s\tcould not run: %s\n", c.Profile, o.paint(verdictColor(c, exp), v), c.Err)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Profile, handshakeText(c), listenText(c), eventsText(c), markersText(c), o.paint(verdictColor(c, exp), v), c.Diagnosis)
	}
	flush()
}

// writeWrapped writes text indented by 6, wrapped at width.
func writeWrapped(w io.Writer, text string, width int) {
	const indent = "      "
	line := indent
	for _, word := range strings.Fields(text) {
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width && line != indent {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		fmt.Fprintln(w, line)
	}
}

// ANSI colours of the verdict.
const (
	green  = "32"
	red    = "31"
	yellow = "33"
)

func verdictColor(c Cell, exp Expectations) string {
	if exp != nil {
		want, ok := exp.For(c.Fixture, c.Profile)
		switch {
		case !ok:
			return yellow
		case c.Err != "" || !want.Allows(c.Outcome):
			return red
		}
	}
	if c.Err == "" && c.Outcome == OK {
		return green
	}
	return red
}

// paint wraps s in an ANSI colour when colours are on.
func (o TableOptions) paint(color, s string) string {
	if !o.Color || color == "" {
		return s
	}
	return "\x1b[" + color + "m" + s + "\x1b[0m"
}

func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// clipText shortens s to n runes, ending in "…".
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
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
		s += ", " + pings(l.Comments)
	}
	return s
}

// listenShort is listenText in 24 columns: "200 1518ms eof, 9 pings".
func listenShort(c Cell) string {
	l := c.Listen
	if l == nil {
		return "none in fixture"
	}
	if l.Status == 0 {
		return "no headers after " + ms1(l.Lived)
	}
	end := map[string]string{"server_eof": "eof", "client_cancel": "client", "reset": "reset", "timeout": "gave up"}[string(l.End)]
	if end == "" {
		end = string(l.End)
	}
	s := fmt.Sprintf("%d %s %s", l.Status, ms1(l.Lived), end)
	if l.Comments > 0 {
		s += ", " + pings(l.Comments)
	}
	return s
}

func pings(n int) string {
	if n == 1 {
		return "1 ping"
	}
	return fmt.Sprintf("%d pings", n)
}

// eventsText is "delivered/recorded", with late ones: "14/14 2 late".
func eventsText(c Cell) string {
	s := fmt.Sprintf("%d/%d", c.EventsDelivered, c.EventsRecorded)
	if c.EventsLate > 0 {
		s += fmt.Sprintf(" %d late", c.EventsLate)
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
