package server

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
)

func TestLoggerTextKeepsSeedForm(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, LogText)
	ctx, sc := WithScope(context.Background(), "r1")
	l.Mark(ctx, markers.RequestBody, "Received %d bytes", 0)
	sc.SetSessionID("s1")
	l.Mark(ctx, markers.SSEEvent.Nth("0"), "Sent priming event")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines = %d, want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{
		"req=r1 session=- === REQUEST BODY === Received 0 bytes",
		"req=r1 session=s1 === SSE EVENT 0 === Sent priming event",
	} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d = %q, want suffix %q", i, lines[i], want)
		}
	}
}

func TestLoggerJSONCarriesMarker(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, LogJSON)
	var hooked []markers.Event
	l.OnEvent(func(e markers.Event) { hooked = append(hooked, e) })
	ctx, _ := WithScope(context.Background(), "r2")
	l.Mark(ctx, markers.AuthSuccess, "Method: oauth")

	var e markers.Event
	if err := json.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatalf("unmarshal %q: %v", buf.String(), err)
	}
	if e.Name != markers.AuthSuccess || e.Detail != "Method: oauth" || e.RequestID != "r2" {
		t.Errorf("event = %+v", e)
	}
	if len(hooked) != 1 || hooked[0].Text() != "=== AUTH SUCCESS === Method: oauth" {
		t.Errorf("hooked = %+v", hooked)
	}
}

func TestShortNeverShowsWholeSecret(t *testing.T) {
	for _, s := range []string{"", "abc", "12345678", "xyz789abcdefghijklmnop"} {
		got := Short(s)
		if len(s) > 0 && strings.Contains(got, s) {
			t.Errorf("Short(%q) = %q shows the whole secret", s, got)
		}
	}
}

func TestNilLoggerDiscards(t *testing.T) {
	var l *Logger
	l.Mark(context.Background(), markers.Critical, "ignored") // must not panic
}
