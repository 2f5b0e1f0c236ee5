package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"github.com/mcpvcr/mcpvcr/internal/reporttest"
)

// replay --report and --har write both files, name them on stderr, and
// the HAR has an entry per interaction with the stream's events.
func TestReplayWritesReportAndHAR(t *testing.T) {
	dir := t.TempDir()
	html, har := filepath.Join(dir, "s.html"), filepath.Join(dir, "s.har")
	var out, errb bytes.Buffer
	code := run([]string{"replay", fixture, "--target", harnesstest.Start(t, nil).URL, "--profile", "clean", "--report", html, "--har", har}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit = %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"report: " + html, "HAR: " + har} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "connection 1</text>", "as-recorded", "tunnel <b>clean</b>"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	data, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	if errs := reporttest.HARViolations(data); len(errs) > 0 {
		t.Errorf("HAR 1.2 violations:\n%s", strings.Join(errs, "\n"))
	}
	var h struct {
		Log struct {
			Version string `json:"version"`
			Entries []struct {
				SSEEvents []json.RawMessage `json:"_sseEvents"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, e := range h.Log.Entries {
		events += len(e.SSEEvents)
	}
	if h.Log.Version != "1.2" || len(h.Log.Entries) == 0 || events == 0 {
		t.Fatalf("HAR version %q, %d entries, %d events: want 1.2 with entries and events", h.Log.Version, len(h.Log.Entries), events)
	}
}

func TestReportFlagUnwritable(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"replay", fixture, "--target", harnesstest.Start(t, nil).URL, "--report", filepath.Join(t.TempDir(), "no", "such", "dir.html")}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--report") || strings.Contains(out.String(), "replay of") {
		t.Fatalf("exit = %d, stdout %q, stderr %q: want exit 2 naming --report, before replaying", code, out.String(), errb.String())
	}
}

// The table is coloured only on a terminal: never into a file or a pipe,
// never under NO_COLOR; $COLUMNS widens it.
func TestTableOptions(t *testing.T) {
	var buf bytes.Buffer
	t.Setenv("COLUMNS", "140")
	if o := tableOptions(&buf, false); o.Color || o.Width != 140 || o.Wide {
		t.Errorf("into a buffer: %+v, want no colour, width 140", o)
	}
	t.Setenv("COLUMNS", "80")
	if o := tableOptions(&buf, true); o.Width != 0 || !o.Wide {
		t.Errorf("COLUMNS=80 --wide: %+v, want the 100-column default and wide", o)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if o := tableOptions(f, false); o.Color {
		t.Errorf("into a file: colour on")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		// Only where the test has a terminal (not in CI).
		defer tty.Close()
		if o := tableOptions(tty, false); !o.Color && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" {
			t.Errorf("on a terminal: no colour")
		}
		t.Setenv("NO_COLOR", "1")
		if o := tableOptions(tty, false); o.Color {
			t.Errorf("NO_COLOR on a terminal: colour on")
		}
	}
}

// --server-log puts the server's markers of the replay's time on the
// report's axis and leaves out the log's older lines.
func TestReplayReportWithServerLog(t *testing.T) {
	dir := t.TempDir()
	logPath, html := filepath.Join(dir, "server.log"), filepath.Join(dir, "s.html")
	now := time.Now().UTC()
	line := func(at time.Time, text string) string {
		return at.Format("2006-01-02T15:04:05.000000Z") + " req=r1 session=- " + text + "\n"
	}
	// An old session's marker, then two half a second after now: the
	// replay starts just after now and the report keeps markers from its
	// start to a second past its last exchange, so they are inside with
	// half a second to spare either way.
	logText := line(now.Add(-time.Hour), "=== SESSION CREATED === old session") +
		line(now.Add(500*time.Millisecond), "=== SESSION CREATED === id=abcd1234...") +
		line(now.Add(550*time.Millisecond), "=== STREAM CLOSING === replay")
	if err := os.WriteFile(logPath, []byte(logText), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := harnesstest.Start(t, nil)
	var out, errb bytes.Buffer
	if code := run([]string{"replay", fixture, "--target", srv.URL, "--server-log", logPath, "--report", html}, &out, &errb); code != 0 {
		t.Fatalf("exit = %d\n%s\n%s", code, out.String(), errb.String())
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("old session")) {
		t.Errorf("the report shows a marker from an hour before the replay")
	}
	if !bytes.Contains(page, []byte("server markers</text>")) {
		t.Errorf("no server markers lane")
	}
	var out2, errb2 bytes.Buffer
	if code := run([]string{"replay", fixture, "--target", srv.URL, "--server-log", filepath.Join(dir, "nope.log")}, &out2, &errb2); code != 2 {
		t.Errorf("missing --server-log: exit = %d, want 2\n%s", code, errb2.String())
	}
}
