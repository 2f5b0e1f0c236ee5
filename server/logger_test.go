package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestTextLineMatchesInertForm: the allocation-free text line is byte for
// byte what inertID/inertDetail make of any id and detail, hostile or not.
func TestTextLineMatchesInertForm(t *testing.T) {
	values := []string{"", "ab12", "UQRATWZUVKL3MYCOMGTDHL3WTZ", "Received 0 bytes", "method=tools/call, id=6", "a b", `q"uote`, "x}",
		"x === CRITICAL === y", "a\nb", "\x1b[31m", `{"marker":"X"}`, "====== x", "\u202eevil"}
	at := time.Date(2026, 12, 1, 20, 0, 0, 123456000, time.UTC)
	for _, id := range values {
		for _, detail := range values {
			e := markers.Event{Time: at, Name: markers.Name("REQUEST BODY"), RequestID: id, SessionID: id, Detail: escapeControls(detail)}
			want := fmt.Sprintf("%s req=%s session=%s %s\n", at.Format("2006-01-02T15:04:05.000000Z"),
				orDash(inertID(id)), orDash(inertID(id)), markers.Event{Name: e.Name, Detail: inertDetail(e.Detail)}.Text())
			if got := string(appendTextLine(nil, e)); got != want {
				t.Errorf("id %q detail %q:\n got %q\nwant %q", id, detail, got, want)
			}
		}
	}
}
