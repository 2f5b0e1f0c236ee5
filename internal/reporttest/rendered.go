// Package reporttest checks a report the way a person would: opened in
// headless chromium with JavaScript off, the lanes, every event tick and
// the findings present in the rendered page and visible in its
// screenshot.
package reporttest

import (
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/internal/chromiumtest"
	"github.com/mcpvcr/mcpvcr/report"
)

// Colours of the page's style sheet (report/page.html) that must show.
var (
	white       = color.RGBA{255, 255, 255, 255}
	laneB       = color.RGBA{0xf0, 0xf3, 0xf7, 255}
	breaksBg    = color.RGBA{0xfd, 0xec, 0xec, 255}
	fineBg      = color.RGBA{0xea, 0xf6, 0xea, 255}
	bodyBlue    = color.RGBA{0x2f, 0x6f, 0xd0, 255}
	tickBlack   = color.RGBA{0x10, 0x16, 0x1d, 255}
	tickRed     = color.RGBA{0xd6, 0x27, 0x28, 255}
	markerLilac = color.RGBA{0xf6, 0xf0, 0xfa, 255}
)

// Dir is where a test writes its reports: $MCPVCR_REPORT_DIR/NAME when
// that is set (to keep them: CI artifacts, make report-screenshot), else
// a temporary directory.
func Dir(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv("MCPVCR_REPORT_DIR")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteAndCheck writes s's page into dir (report.html, and its
// screenshot as report.png), opens it in chromium and checks it. It
// returns the page's path.
func WriteAndCheck(t testing.TB, dir string, s *report.Session) string {
	t.Helper()
	path := filepath.Join(dir, "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, s, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	page := chromiumtest.Render(t, path, 1320, 1800)
	Check(t, page, s)
	if png, err := os.ReadFile(page.PNG); err == nil {
		os.WriteFile(filepath.Join(dir, "report.png"), png, 0o644)
	}
	return path
}

// Check checks a rendered page of s: every lane, event tick, keepalive
// and end label in the DOM, each finding's diagnosis as text, no script,
// and the screenshot showing ink in the colours of findings, lanes, bars
// and ticks.
func Check(t testing.TB, page chromiumtest.Page, s *report.Session) {
	t.Helper()
	dom := page.DOM
	if strings.Contains(strings.ToLower(dom), "<script") {
		t.Errorf("the rendered page has a <script>")
	}
	events, comments := 0, 0
	conns := map[string]bool{}
	lanes := 0
	for _, e := range s.Exchanges {
		events += len(e.Live.DataEvents())
		comments += e.Live.Comments()
		if e.Live.Conn == "" || !conns[e.Live.Conn] {
			lanes++
		}
		conns[e.Live.Conn] = true
	}
	for i := 1; i <= lanes; i++ {
		if !strings.Contains(dom, "connection "+strconv.Itoa(i)+"</text>") {
			t.Errorf("lane %d is not in the rendered page", i)
		}
	}
	if strings.Contains(dom, "connection "+strconv.Itoa(lanes+1)+"</text>") {
		t.Errorf("more than %d lanes", lanes)
	}
	// The legend draws one of each tick and dot.
	if got := strings.Count(dom, `class="ev"`) + strings.Count(dom, `class="ev-late"`) - 2; got != events {
		t.Errorf("event ticks = %d, want %d (every live data event)", got, events)
	}
	if got := strings.Count(dom, `class="ping"`); got != comments+1 { // +1: the legend's
		t.Errorf("keepalive dots = %d, want %d", got-1, comments)
	}
	if got := strings.Count(dom, `class="end"`) + strings.Count(dom, `class="end-bad"`); got != len(s.Exchanges) {
		t.Errorf("end labels = %d, want one per exchange (%d)", got, len(s.Exchanges))
	}
	if len(s.Markers) > 0 && !strings.Contains(dom, "server markers</text>") {
		t.Errorf("no server markers lane")
	}
	if len(s.Findings) == 0 {
		t.Errorf("the session has no findings to show")
	}
	for _, f := range s.Findings {
		if !strings.Contains(dom, textEscape(f.Diagnosis)) {
			t.Errorf("finding %s not shown: %q", f.Name, f.Diagnosis)
		}
	}

	b := page.Screenshot.Bounds()
	total := b.Dx() * b.Dy()
	if ink := page.Ink(white); ink < total/50 {
		t.Errorf("screenshot nearly blank: %d of %d pixels not background", ink, total)
	}
	visible := func(what string, n, least int) {
		if n < least {
			t.Errorf("%s: %d pixels in the screenshot, want >= %d (%s)", what, n, least, page.PNG)
		}
	}
	visible("findings", page.Count(breaksBg, 3)+page.Count(fineBg, 3), 2000)
	answered := false
	for _, e := range s.Exchanges {
		answered = answered || e.Live.Status > 0 && e.Live.Status < 400
	}
	if answered {
		// The legend's body swatch is 16 × 8 pixels; a bar in the chart is
		// at least 2 × 10, less where a tick covers it or antialiasing
		// blurs a short one (9 pixels measured for Fix A's two short POSTs).
		const legend, oneBar = 128, 4
		visible("bars", page.Count(bodyBlue, 12), legend+oneBar)
	}
	if lanes > 1 {
		visible("second lane", page.Count(laneB, 2), 2000)
	}
	if events > 0 {
		// Only the ticks, their id labels, the dashed lines to late ones
		// and the legend's two ticks (2 × 14 pixels each) are drawn in
		// these colours (the text is lighter than tol 6 allows); one tick
		// in the chart is 19 pixels high.
		const legend, oneTick = 56, 15
		visible("event ticks", page.Count(tickBlack, 6)+page.Count(tickRed, 6), legend+oneTick)
	}
	if len(s.Markers) > 0 {
		visible("marker lane", page.Count(markerLilac, 2), 2000)
	}
}

// textEscape is how a DOM serializes text: &, < and > escaped, quotes not.
func textEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
