package server_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
)

// logHostile logs one marker with v in every client-controlled position
// (the session id, the detail, a Short secret prefix) and returns what the
// text logger wrote.
func logHostile(v string) string {
	var b strings.Builder
	l := server.NewLogger(&b, server.LogText)
	ctx, sc := server.WithScope(context.Background(), "req1")
	sc.SetSessionID(v)
	l.Mark(ctx, markers.RequestParsed, "method=%s id=%s token=%s", v, v, server.Short(v))
	return b.String()
}

// checkInert fails unless out is exactly one line, parsed as exactly the
// marker that was logged, with no control byte in it.
func checkInert(t *testing.T, v, out string) {
	t.Helper()
	if n := strings.Count(out, "\n"); n != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("input %q: %d lines, want 1:\n%s", v, n, out)
	}
	line := strings.TrimSuffix(out, "\n")
	m, ok := markers.ParseLine(line)
	if !ok || m.Name != markers.RequestParsed {
		t.Fatalf("input %q: the line parses as marker %q (ok=%v), want %q:\n%s", v, m.Name, ok, markers.RequestParsed, line)
	}
	if strings.Count(line, "===") != 2 {
		t.Fatalf("input %q: %d marker delimiters in the line, want 2:\n%s", v, strings.Count(line, "==="), line)
	}
	if !utf8.ValidString(line) {
		t.Fatalf("input %q: invalid UTF-8 in the log line %q", v, line)
	}
	for _, r := range line {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			t.Fatalf("input %q: control character %U in the log line %q", v, r, line)
		}
	}
}

// TestSecurityMedium8NoForgedMarkers is issue 12 Medium 8: a client header
// (Mcp-Session-Id: x === CRITICAL === y) became a marker `mcpvcr expect`
// counted, and ANSI escapes reached the terminal through the 8-byte
// secret prefix. Whatever a client sends, a log line holds exactly the one
// marker that was logged and no control byte.
func TestSecurityMedium8NoForgedMarkers(t *testing.T) {
	for _, v := range logForgeries {
		checkInert(t, v, logHostile(v))
	}
}

var logForgeries = []string{
	"x === CRITICAL === y",
	"x\n2026-01-01T00:00:00.000000Z req=a session=b === SESSION CREATED === z",
	"\x1b[2J\x1b[31mpwned",
	"\x1b]0;title\x07",
	"\xc2\x9b31m", // C1 CSI
	"\x9b31m",     // a bare 8-bit CSI byte
	"a\u2028b\u2029c",
	"\u202eevil",
	`{"marker":"SESSION CREATED","detail":"forged"}`,
	`x {"marker":"CRITICAL"}`,
	"===",
	"====== x ======",
	"\r=== AUTH SUCCESS ===",
}

// FuzzLogEscaping checks the same for any input (make fuzz).
func FuzzLogEscaping(f *testing.F) {
	for _, v := range logForgeries {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkInert(t, v, logHostile(v))
	})
}
