package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/report"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// reportFlags are --report FILE.html and --har FILE.har, the same on
// replay, check and demo: what a person opens, besides the text.
type reportFlags struct{ html, har *string }

func addReportFlags(fs *flag.FlagSet) reportFlags {
	return reportFlags{
		html: fs.String("report", "", "also write the session(s) as one self-contained HTML page (findings, timeline of every request and stream, markers) to this file"),
		har:  fs.String("har", "", "also write the session(s) as HAR 1.2 (streams with every SSE event's timing in _sseEvents, secrets as placeholders) to this file"),
	}
}

// checkWritable creates the files asked for before the long run, so a
// bad path fails at once (exit 2), not after a replay.
func (rf reportFlags) checkWritable() error {
	for flagName, p := range map[string]string{"report": *rf.html, "har": *rf.har} {
		if p == "" {
			continue
		}
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("--%s: %w", flagName, err)
		}
		f.Close()
	}
	return nil
}

// writeSession writes s to the files asked for and names them on stderr.
func (rf reportFlags) writeSession(s *report.Session, stderr io.Writer) error {
	return rf.write(stderr,
		func(w io.Writer) error { return report.WriteHTML(w, s, nil) },
		func(w io.Writer) error { return report.WriteHAR(w, s) })
}

// writeCells writes a matrix of cells to the files asked for: --report and
// --har (files are the fixtures replayed, each passed through prepare when
// it is not nil: check's aiming, with placeholders for the credentials,
// never them), then every cell as JSON to jsonOut unless it is "".
func (rf reportFlags) writeCells(title string, cells []matrix.Cell, jsonOut string, files []string, prepare func(*harness.Cassette) error, exp matrix.Expectations, scale timescale.Scale, stderr io.Writer) error {
	if *rf.html != "" || *rf.har != "" {
		cassettes := map[string]*harness.Cassette{}
		for _, f := range files {
			if c, err := harness.LoadCassette(f); err == nil && (prepare == nil || prepare(c) == nil) {
				cassettes[matrix.FixtureName(f)] = c
			}
		}
		ch := report.FromCells(title, cells, cassettes, exp, scale)
		if err := rf.write(stderr,
			func(w io.Writer) error { return report.WriteCheckHTML(w, ch, nil) },
			func(w io.Writer) error { return report.WriteCheckHAR(w, ch) }); err != nil {
			return err
		}
	}
	if jsonOut == "" {
		return nil
	}
	return writeJSONFile(jsonOut, cells)
}

func (rf reportFlags) write(stderr io.Writer, html, har func(io.Writer) error) error {
	for _, out := range []struct {
		path           *string
		write          func(io.Writer) error
		what, flagName string
	}{{rf.html, html, "report", "report"}, {rf.har, har, "HAR", "har"}} {
		if *out.path == "" {
			continue
		}
		f, err := os.Create(*out.path)
		if err != nil {
			return fmt.Errorf("--%s: %w", out.flagName, err)
		}
		if err := out.write(f); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", *out.path, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %s\n", out.what, *out.path)
	}
	return nil
}

// readMarkers reads every marker of a server log file (any form the
// server writes, see markers.ParseLine) for a report's time axis.
func readMarkers(path string) (harness.Markers, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--server-log: %w", err)
	}
	defer f.Close()
	log := harness.NewMarkerLog()
	if _, err := log.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("--server-log %s: %w", path, err)
	}
	return log.Markers(), nil
}
