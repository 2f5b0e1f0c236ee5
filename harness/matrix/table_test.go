package matrix

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mcpvcr/mcpvcr/toxics"
)

// tableCells are rows as wide as the real ones get: the longest profile,
// a held listen stream with a long diagnosis, a cell that could not run,
// and a fixture with no expectation.
func tableCells() ([]Cell, Expectations) {
	long := "GET listen stream: 2 event(s) held until the stream closed, up to 1517.9ms late: a proxy buffers this stream (field failure 2); the server logged Received 0 bytes on 3 request(s)"
	cells := []Cell{
		{Fixture: "gosdk_oauth_session", Profile: toxics.CloudflareQuickTunnel, Outcome: ListenHeld, Handshake: true, Diagnosis: long,
			Listen:         &StreamSummary{Status: 200, Lived: 1518 * time.Millisecond, End: "server_eof", Comments: 9, Events: 2, Recorded: 2, Late: 2},
			EventsRecorded: 14, EventsDelivered: 14, EventsLate: 2,
			Markers: []MarkerCount{{Label: "SESSION CREATED", Count: 1}, {Label: "SSE EVENT", Count: 14}, {Label: "STREAM CLOSING", Count: 7}}},
		{Fixture: "gosdk_oauth_session", Profile: toxics.Clean, Outcome: OK, Handshake: true, Diagnosis: plainOK,
			Listen: &StreamSummary{Status: 200, Lived: 200 * time.Millisecond, End: "server_eof", Comments: 1}, EventsRecorded: 14, EventsDelivered: 14},
		{Fixture: "gosdk_oauth_session", Profile: toxics.CloudflareNamedTunnel, Outcome: OK, Handshake: true, Diagnosis: plainOK, Err: "listen tcp 127.0.0.1:0: " + strings.Repeat("socket: too many open files ", 5)},
		{Fixture: "mcp_remote_oauth_session", Profile: toxics.CloudflareQuickTunnel, Outcome: ListenHeld, Handshake: true, Diagnosis: "no headers",
			Listen: &StreamSummary{Lived: 3016 * time.Millisecond}, EventsRecorded: 5, EventsDelivered: 5},
	}
	exp := Expectations{"gosdk_oauth_session": {toxics.CloudflareQuickTunnel: {Outcomes: Want{OK}}, toxics.Clean: {Outcomes: Want{OK}}, toxics.CloudflareNamedTunnel: {Outcomes: Want{OK, Reset}}}}
	return cells, exp
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTableFits100Columns(t *testing.T) {
	cells, exp := tableCells()
	for _, color := range []bool{false, true} {
		var b strings.Builder
		WriteTableWith(&b, cells, exp, &TableOptions{Color: color})
		out := b.String()
		for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(ansiRE.ReplaceAllString(line, "")); n > 100 {
				t.Errorf("color=%v line %d is %d columns:\n%s", color, i+1, n, line)
			}
		}
		for _, want := range []string{"listen-held, WANT ok", "NOT WRITTEN DOWN", "could not run", "field failure 2); the", "200 1518ms eof, 9 pings", "14/14 2 late"} {
			if !strings.Contains(ansiRE.ReplaceAllString(out, ""), want) {
				t.Errorf("color=%v: table lacks %q:\n%s", color, want, out)
			}
		}
		if got := ansiRE.MatchString(out); got != color {
			t.Errorf("colour codes present = %v, want %v:\n%q", got, color, out)
		}
		if strings.Count(out, plainOK) != 0 {
			t.Errorf("the plain ok diagnosis is printed:\n%s", out)
		}
	}
}

// --wide keeps every column (server markers too) on one line per row.
func TestTableWide(t *testing.T) {
	cells, exp := tableCells()
	var b strings.Builder
	WriteTableWith(&b, cells, exp, &TableOptions{Wide: true})
	out := b.String()
	for _, want := range []string{"SERVER MARKERS", "SESSION CREATED×1 SSE EVENT×14", "on 3 request(s)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("wide table lacks %q:\n%s", want, out)
		}
	}
}

func TestTableColours(t *testing.T) {
	cells, exp := tableCells()
	var b strings.Builder
	WriteTableWith(&b, cells, exp, &TableOptions{Color: true})
	out := b.String()
	for _, want := range []string{"\x1b[31mlisten-held, WANT ok\x1b[0m", "\x1b[32mok\x1b[0m", "\x1b[33mNOT WRITTEN DOWN\x1b[0m"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%q", want, out)
		}
	}
}
