package report_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/internal/chromiumtest"
	"github.com/mcpvcr/mcpvcr/internal/reporttest"
	"github.com/mcpvcr/mcpvcr/report"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// The quick tunnel's held listen stream (field failure 2), replayed from
// go-sdk's recorded session against a fresh server: its report, opened in
// chromium, shows the lanes, every event tick and the findings.
func TestQuickTunnelHeldListenInChromium(t *testing.T) {
	chromiumtest.Path(t)
	fixture := filepath.Join("..", "fixtures", "gosdk_oauth_session.yaml")
	cells, err := matrix.Run(context.Background(), matrix.Options{
		Fixtures: []string{fixture}, Profiles: []toxics.Profile{toxics.CloudflareQuickTunnel}, Parallel: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	cell := cells[0]
	if cell.Err != "" || cell.Outcome != matrix.ListenHeld {
		t.Fatalf("cell = %s (%s), want listen-held", cell.Outcome, cell.Err)
	}
	c, err := harness.LoadCassette(fixture)
	if err != nil {
		t.Fatal(err)
	}
	s := report.FromCell(cell, c, matrix.DefaultTimeScale)
	if s.Findings[0].Name != "outcome: "+string(matrix.ListenHeld) || !strings.Contains(s.Findings[0].Diagnosis, "listen stream") {
		t.Fatalf("first finding = %+v, want the cell's listen-held diagnosis", s.Findings[0])
	}
	reporttest.WriteAndCheck(t, reporttest.Dir(t, "quick_tunnel_held_listen"), s)
}

// A hostile cassette's text stays text in a real browser: no script
// element, nothing ran (the page's title is the escaped string).
func TestHostileReportInChromium(t *testing.T) {
	chromiumtest.Path(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "hostile.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, report.HostileForBrowser(), nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkNothingRan(t, chromiumtest.Render(t, path, 1000, 800))
}

// A hostile cassette (testdata/hostile.yaml), its replay's differences and
// findings and the server's markers all carrying markup, renders with
// nothing executed and no element made from it.
func TestHostileCassetteInChromium(t *testing.T) {
	chromiumtest.Path(t)
	c, err := harness.LoadCassette(filepath.Join("testdata", "hostile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const evil = `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">`
	in := c.Interactions[0]
	live := in.Stream
	live.URL = in.Request.URL
	live.Err = evil
	start := time.Now()
	rep := &harness.Report{Start: start, Target: "http://127.0.0.1:1", TimeScale: 1, Results: []harness.Result{{
		Interaction: 0, Request: "POST " + evil, Timeline: live,
		Differences: []harness.Difference{{Where: "body " + evil, Detail: evil}},
		Findings:    []harness.Finding{{Name: harness.FindingName(evil), Severity: harness.Severity(evil), Diagnosis: evil, Evidence: []string{evil}}},
	}}}
	markers := harness.Markers{{Time: start.Add(time.Millisecond), Name: evil, Detail: evil}}
	s := report.FromReplay(c, rep, &report.FromReplayOptions{Title: evil, Profile: evil, Markers: markers})
	path := filepath.Join(t.TempDir(), "hostile.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, s, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkNothingRan(t, chromiumtest.Render(t, path, 1000, 800))
}

// checkNothingRan: no element the browser made from input (every "<" of
// text is "&lt;" in a serialized DOM, so each "<" opens a real element),
// no handler attribute, and the title is not what a script would set.
func checkNothingRan(t *testing.T, page chromiumtest.Page) {
	t.Helper()
	quoted := regexp.MustCompile(`"[^"]*"`)
	handler := regexp.MustCompile(`\son[a-z]+=`)
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(strings.ToLower(page.DOM), -1) {
		tag = quoted.ReplaceAllString(tag, `""`) // an attribute's value is text
		if strings.HasPrefix(tag, "<script") || strings.HasPrefix(tag, "<img") || strings.HasPrefix(tag, "<b ") || handler.MatchString(tag) {
			t.Errorf("the browser made an element from input: %s", tag)
		}
	}
	if strings.Contains(page.DOM, "<title>pwned") {
		t.Errorf("a script ran")
	}
	if !strings.Contains(page.DOM, "&lt;script&gt;") {
		t.Errorf("the hostile text is not shown as text")
	}
}
