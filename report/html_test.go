package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// hostile is what a cassette or a server can put in a report: markup in
// every string the page shows, in text and in attributes.
const hostile = `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">"' onmouseover=alert(1) x="</title></text></svg><svg onload=alert(1)>`

func hostileSession() *Session {
	s := heldListen()
	s.Title = "title " + hostile
	s.Source = "source " + hostile
	s.Profile = "profile " + hostile
	s.Notes = []string{"note " + hostile}
	s.Toxics[0].Why = "why " + hostile
	s.Toxics[0].Attributes["evil"] = hostile
	for i := range s.Exchanges {
		e := &s.Exchanges[i]
		e.Name = "name " + hostile
		e.Live.URL = "http://127.0.0.1/" + hostile
		e.Live.Err = "err " + hostile
		e.Live.ContentType = hostile
		e.Live.Conn = hostile
		e.Differences = []string{"diff " + hostile}
		for j := range e.Live.Events {
			e.Live.Events[j].ID = "id" + hostile
			e.Live.Events[j].Event = hostile
		}
	}
	for i := range s.Markers {
		s.Markers[i].Name = "marker " + hostile
		s.Markers[i].Detail = hostile
	}
	s.Findings = []Finding{{Name: "finding " + hostile, Severity: Severity(hostile), Diagnosis: hostile, Evidence: []string{hostile}}}
	return s
}

// The tags the page's template writes; anything else came from input.
var ourTags = map[string]bool{
	"!doctype": true, "html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "main": true,
	"h1": true, "h2": true, "h3": true, "p": true, "b": true, "small": true, "section": true, "table": true, "thead": true,
	"tbody": true, "tr": true, "th": true, "td": true, "a": true, "ul": true, "li": true, "span": true, "details": true,
	"summary": true, "pre": true, "div": true, "svg": true, "rect": true, "line": true, "circle": true, "path": true, "text": true,
}

var (
	tagRE  = regexp.MustCompile(`<(/?)([!a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	attrRE = regexp.MustCompile(`\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)`)
)

// checkMarkup returns every tag the template does not write and every
// event-handler attribute: what an injection would leave.
func checkMarkup(page string) []string {
	var bad []string
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		if !ourTags[name] {
			bad = append(bad, "tag <"+m[1]+m[2]+">")
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			if strings.HasPrefix(strings.ToLower(a[1]), "on") {
				bad = append(bad, "attribute "+a[1]+" on <"+m[2]+">")
			}
		}
	}
	return bad
}

func TestHostileSessionStaysText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, hostileSession(), nil); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if bad := checkMarkup(page); len(bad) > 0 {
		t.Fatalf("input became markup: %s", strings.Join(bad, "; "))
	}
	if n := strings.Count(strings.ToLower(page), "<script"); n > 0 {
		t.Fatalf("%d <script> in the page", n)
	}
	// The text is there, escaped, not dropped.
	if !strings.Contains(page, "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;") {
		t.Errorf("the hostile text is not shown escaped")
	}
}

// The checker must see an injection when there is one.
func TestCheckMarkupCatches(t *testing.T) {
	for _, page := range []string{`<p>x</p><script>alert(1)</script>`, `<p>x</p><img src=x onerror=alert(1)>`, `<svg onload="alert(1)"></svg>`} {
		if len(checkMarkup(page)) == 0 {
			t.Errorf("%s: nothing found", page)
		}
	}
}

// A page shows the findings first, a lane per connection, a row per
// exchange, every event's id and the markers.
func TestPageShowsTheSession(t *testing.T) {
	var b bytes.Buffer
	s := heldListen()
	s.Findings = Derive(s, 0)
	if err := WriteHTML(&b, s, nil); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"listen stream held by the tunnel: 2 event(s) arrived 2.8 s late, at close",
		"POST /mcp tools/call slow: tunnel idle cut (524)",
		"connection 1</text>", "connection 2</text>", "server markers</text>",
		">0_0</text>", ">1_0 1_1</text>",
		`class="ping"`, "tunnel idle cut (524)", "server closed",
		"SESSION CREATED", "sse_buffer", "field failure 11",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "connection 3</text>") {
		t.Errorf("three lanes for two connections")
	}
	if i, j := strings.Index(page, "Findings"), strings.Index(page, "<svg xmlns"); i < 0 || j < 0 || i > j {
		t.Errorf("findings (at %d) are not above the timeline (at %d)", i, j)
	}
}

func TestDeriveFindings(t *testing.T) {
	fs := Derive(heldListen(), 0)
	var names []string
	for _, f := range fs {
		names = append(names, string(f.Severity)+" "+f.Name)
	}
	got := strings.Join(names, ", ")
	if want := "breaks stream-held, breaks idle-cut"; got != want {
		t.Fatalf("findings = %s, want %s", got, want)
	}
}

func TestCheckPageLinksEveryCell(t *testing.T) {
	c := &Check{
		Title: "check", Rows: []string{"fx <b>"}, Columns: []string{"clean", "quick"},
		Cells: []CheckCell{
			{Row: "fx <b>", Column: "clean", Outcome: "ok", Severity: Fine, Session: heldListen()},
			{Row: "fx <b>", Column: "quick", Outcome: "listen-held", Severity: Breaks, Session: heldListen()},
		},
	}
	var b bytes.Buffer
	if err := WriteCheckHTML(&b, c, nil); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, id := range []string{"s-fx--b--clean", "s-fx--b--quick"} {
		if !strings.Contains(page, `href="#`+id+`"`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("no link to or no section %s", id)
		}
	}
	if bad := checkMarkup(page); len(bad) > 0 {
		t.Fatalf("input became markup: %s", strings.Join(bad, "; "))
	}
}
