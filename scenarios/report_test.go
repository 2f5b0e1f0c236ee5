package scenarios

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/report"
)

// A scenario's report: every stream its client opened, on one clock from
// the first thing that happened, the server's markers on the same clock,
// the toxics of every tunnel. A failing scenario writes it (HTML and HAR)
// and prints where; MCPVCR_REPORT_DIR chooses the directory (CI keeps it
// as an artifact), else a fresh one under the system's temp dir, which
// outlives the test so the path printed still opens.

// session returns what the scenario saw as a report session.
func (w *world) session(name string) *report.Session {
	w.mu.Lock()
	names := append([]string(nil), w.order...)
	tunnels := make([]*liveTunnel, 0, len(w.tunnels))
	for _, t := range w.tunnels {
		tunnels = append(tunnels, t)
	}
	scale := w.scale
	w.mu.Unlock()
	sort.Slice(tunnels, func(i, j int) bool { return tunnels[i].name < tunnels[j].name })

	s := &report.Session{Title: "scenario " + name, Source: scriptComment(name + ".txtar"), TimeScale: scale}
	ms := w.markers.Markers()
	var t0 time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (t0.IsZero() || t.Before(t0)) {
			t0 = t
		}
	}
	var streams []*stream
	for _, n := range names {
		st, err := w.stream(n)
		if err != nil || st.Stream == nil || st.Started().IsZero() {
			continue // a replayed exchange: the replay's report has it
		}
		earliest(st.Started())
		streams = append(streams, st)
	}
	for _, m := range ms {
		earliest(m.Time)
	}
	s.Start = t0
	for i, st := range streams {
		tl := st.Timeline()
		tl.Opened = st.Started().Sub(t0)
		local, remote := st.Addrs()
		tl.Conn = local
		if remote != "" && !strings.Contains(tl.URL, "://") {
			tl.URL = "http://" + remote + tl.URL
		}
		label := tl.Method + " " + pathOf(tl.URL)
		if st.rpcMethod != "" {
			label += " " + st.rpcMethod
		}
		s.Exchanges = append(s.Exchanges, report.Exchange{Index: i, Name: label + " [" + st.name + "]", Live: tl})
	}
	for _, m := range ms {
		if !m.Time.IsZero() {
			s.Markers = append(s.Markers, report.Marker{At: m.Time.Sub(t0), Name: string(m.Name), Detail: m.Detail})
		}
	}
	var profiles []string
	for _, t := range tunnels {
		if t.tunnel == nil {
			continue
		}
		profiles = append(profiles, t.name)
		for _, a := range t.tunnel.Applied {
			if a.Type == "request_log" {
				continue // plumbing for the HTTP-aware toxics
			}
			s.Toxics = append(s.Toxics, report.Toxic{Type: string(a.Type), Stream: string(a.Stream), Attributes: a.Attributes, Why: a.Why})
		}
	}
	if len(profiles) > 0 {
		s.Profile = strings.Join(profiles, ", ")
	}
	s.Findings = report.Derive(s, 0)
	return s
}

// writeReport writes the scenario's report.html and report.har into a
// directory that outlives the test, and returns the HTML's path.
func (w *world) writeReport(name string) (string, error) {
	dir := os.Getenv("MCPVCR_REPORT_DIR")
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "mcpvcr-scenario-"+name+"-")
	} else {
		dir = filepath.Join(dir, name)
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return "", err
	}
	s := w.session(name)
	html := filepath.Join(dir, "report.html")
	if err := writeFile(html, func(f *os.File) error { return report.WriteHTML(f, s, nil) }); err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(dir, "report.har"), func(f *os.File) error { return report.WriteHAR(f, s) }); err != nil {
		return "", err
	}
	return html, nil
}

// reportLine is the line a failing scenario ends with: where its report is.
func (w *world) reportLine(name string) string {
	path, err := w.writeReport(name)
	if err != nil {
		return fmt.Sprintf("report: not written: %v\n", err)
	}
	return fmt.Sprintf("report: %s (and report.har beside it)\n", path)
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scriptComment is the opening comment of a scenario file, as one line.
func scriptComment(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break
		}
		lines = append(lines, strings.TrimSpace(strings.TrimPrefix(line, "#")))
	}
	return strings.Join(lines, " ")
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[i+3+j:]
		}
	}
	return u
}
