package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// page.html is the one template: a self-contained page (inline CSS and
// SVG, no script, nothing fetched), so it opens from a CI artifact, a mail
// or a file:// URL, with JavaScript off. html/template escapes every value
// for where it lands (text, attribute, URL), which is what keeps a hostile
// cassette's "<script>" a string.
//
//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"human": human,
	"num":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"ms": func(d time.Duration) string {
		return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
	},
	"attrs": attrsText,
	// sev is a severity as a class name: only the page's own.
	"sev": func(s Severity) string { return string(s.known()) },
}).Parse(pageHTML))

// Options configures the HTML writers. Nil means defaults.
type Options struct {
	// LateAfter is how much later than recorded an event may arrive
	// before it is drawn as late; 0 means DefaultLateAfter.
	LateAfter time.Duration
}

// DefaultLateAfter is the lateness from which an event is drawn late: the
// matrix's own threshold (a loaded machine delays one by 0.76 s).
const DefaultLateAfter = 1500 * time.Millisecond

func (o *Options) lateAfter() time.Duration {
	if o == nil || o.LateAfter <= 0 {
		return DefaultLateAfter
	}
	return o.LateAfter
}

// sessionView is a Session ready for the template.
type sessionView struct {
	*Session
	Anchor    string
	Single    bool // the page's only session: its title is the page's
	Chart     waterfall
	Worst     Severity
	Exchanges []exchangeView
	Toxics    []Toxic
}

type exchangeView struct {
	Exchange
	Cause          EndCause
	Bad            bool
	Events         int
	RecordedEvents int
	Late           int
	Pings          int
}

func view(s *Session, anchor string, lateAfter time.Duration) sessionView {
	if s.LateAfter > 0 {
		lateAfter = s.LateAfter
	}
	v := sessionView{Session: s, Anchor: anchor, Chart: layout(s, lateAfter), Worst: worst(s.Findings), Toxics: s.Toxics}
	cut := s.idleCut()
	for _, e := range s.Exchanges {
		ev := exchangeView{Exchange: e, Cause: Cause(e.Live, e.Recorded, cut), Events: len(e.Live.DataEvents()), Pings: e.Live.Comments()}
		ev.Bad = ev.Cause.bad()
		if e.Recorded != nil {
			rec := e.Recorded.DataEvents()
			ev.RecordedEvents = len(rec)
			for i, le := range e.Live.DataEvents() {
				if i < len(rec) && le.At-rec[i].At > lateAfter {
					ev.Late++
				}
			}
		}
		v.Exchanges = append(v.Exchanges, ev)
	}
	sort.SliceStable(v.Findings, func(i, j int) bool { return rank(v.Findings[i].Severity) < rank(v.Findings[j].Severity) })
	return v
}

// WriteHTML writes the report of one session as a self-contained page.
func WriteHTML(w io.Writer, s *Session, opts *Options) error {
	sv := view(s, "session", opts.lateAfter())
	sv.Single = true
	return page.Execute(w, pageData{Title: s.Title, Sessions: []sessionView{sv}})
}

// pageData is what the template gets: a matrix (check, demo) or none,
// and the sessions.
type pageData struct {
	Title    string
	Summary  []string
	Matrix   *matrixView
	Sessions []sessionView
}

// known returns s if it is one of the severities, else Cosmetic.
func (s Severity) known() Severity {
	switch s {
	case Breaks, Degrades, Cosmetic, Fine:
		return s
	}
	return Cosmetic
}

func rank(s Severity) int {
	switch s {
	case Breaks:
		return 0
	case Degrades:
		return 1
	case Cosmetic:
		return 2
	}
	return 3
}

// worst is the worst severity among findings (Fine when there are none).
func worst(fs []Finding) Severity {
	out := Fine
	for _, f := range fs {
		if rank(f.Severity) < rank(out) {
			out = f.Severity
		}
	}
	return out
}

// attrsText prints a toxic's attributes as "k=v k=v", keys sorted.
func attrsText(a map[string]any) string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, a[k])
	}
	return strings.Join(parts, " ")
}

// anchorFor makes a fragment id from any text: letters, digits and '-'.
func anchorFor(parts ...string) string {
	var b strings.Builder
	b.WriteString("s")
	for _, p := range parts {
		b.WriteByte('-')
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteRune(r)
			default:
				b.WriteByte('-')
			}
		}
	}
	return b.String()
}
