package harness

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
)

func TestMarkerLogFromInProcessLogger(t *testing.T) {
	for _, tc := range []struct {
		name   string
		attach func(*MarkerLog) *server.Logger
	}{
		{"OnEvent", func(l *MarkerLog) *server.Logger {
			lg := server.NewLogger(&bytes.Buffer{}, server.LogText)
			l.Capture(lg)
			return lg
		}},
		{"text writer", func(l *MarkerLog) *server.Logger { return server.NewLogger(l, server.LogText) }},
		{"json writer", func(l *MarkerLog) *server.Logger { return server.NewLogger(l, server.LogJSON) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewMarkerLog()
			lg := tc.attach(l)
			ctx, sc := server.WithScope(context.Background(), "req1")
			lg.Mark(ctx, markers.MCPSSEConnectionStart, "Method: GET, Path: /mcp")
			sc.SetSessionID("sess1")
			lg.Mark(ctx, markers.SSEEvent.Nth("0"), "Sent priming event")
			lg.Mark(context.Background(), markers.Critical, "unscoped")
			ms := l.Markers()
			if err := ms.InOrder("MCP SSE CONNECTION START", "SSE EVENT*", "CRITICAL"); err != nil {
				t.Fatal(err)
			}
			if got := ms.ForRequest("req1"); len(got) != 2 {
				t.Errorf("ForRequest = %d markers, want 2", len(got))
			}
			if got := ms.ForSession("sess1"); len(got) != 1 || got[0].Name != "SSE EVENT 0" {
				t.Errorf("ForSession = %+v, want the SSE EVENT 0", got)
			}
		})
	}
}

func TestMarkerLogFollowsAppendedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	l := NewMarkerLog()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	followed := make(chan error, 1)
	go func() { followed <- l.Follow(ctx, path, 5*time.Millisecond) }()

	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("=== OAUTH FLOW === Attempting\nnot a marker\n=== AUTH SU")
	if err := l.Wait(ctx, func(ms Markers) error { return ms.Count("OAUTH FLOW", 1) }); err != nil {
		t.Fatal(err)
	}
	f.WriteString("CCESS === Method: oauth\n") // the rest of a half-written line
	if err := l.Wait(ctx, func(ms Markers) error { return ms.InOrder("OAUTH FLOW", "AUTH SUCCESS ~ oauth") }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-followed; err != nil {
		t.Fatal(err)
	}
}

func TestMarkerLogFollowsCommand(t *testing.T) {
	l := NewMarkerLog()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := l.FollowCommand(ctx, "sh", "-c", `echo "=== SSE STREAM START ==="; echo "=== STREAM CLOSING === done" >&2`)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := l.Markers().InOrder("SSE STREAM START", "STREAM CLOSING ~ done"); err != nil {
		t.Fatal(err)
	}
}

func TestMarkerLogReadsStdinLike(t *testing.T) {
	l := NewMarkerLog()
	l.ReadFrom(strings.NewReader("=== A ===\n=== B === x\n"))
	if err := l.Markers().Count("B ~ x", 1); err != nil {
		t.Fatal(err)
	}
}

// seedFailedFlow is the seed's "Failed Flow" log.
func seedFailedFlow(t *testing.T) Markers {
	t.Helper()
	l := NewMarkerLog()
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i, s := range []string{
		"req=r1 === MCP SSE CONNECTION START === Method: POST, Path: /mcp",
		"req=r1 === OAUTH SUCCESS === Token valid",
		"req=r1 === AUTH SUCCESS === Method: oauth",
		"req=r1 === REQUEST BODY === Received 0 bytes",
		"req=r1 === WARNING === Empty request body",
		"req=r1 === SSE STREAM START === Beginning event generation",
		"req=r1 === SSE EVENT 0 === Sent priming event",
		"req=r1 === SSE EVENT 1 === Sent endpoint event",
		"req=r1 === NO INITIAL REQUESTS === No requests in body to process",
		"req=r1 === STREAM CLOSING === Processing complete, no more requests",
		"req=r1 === CRITICAL === MCP spec requires stream to stay open",
	} {
		l.AddLine(base.Add(time.Duration(i)*10*time.Millisecond).Format(time.RFC3339Nano) + " " + s)
	}
	return l.Markers()
}

func TestMarkerAssertions(t *testing.T) {
	ms := seedFailedFlow(t)
	for _, tc := range []struct {
		name    string
		err     error
		wantErr []string // substrings of the failure; nil = must pass
	}{
		{"in order with others between", ms.InOrder("MCP SSE CONNECTION START", "REQUEST BODY ~ 0 bytes", "STREAM CLOSING"), nil},
		{"out of order", ms.InOrder("STREAM CLOSING", "SSE EVENT 0"), []string{"2. SSE EVENT 0", "NOT FOUND after marker #10", "> #10", "does appear, as marker #7"}},
		{"never", ms.InOrder("INITIALIZE DETECTED"), []string{"1. INITIALIZE DETECTED", "NOT FOUND", "#11"}},
		{"absent holds", ms.Absent("SESSION CREATED"), nil},
		{"absent fails", ms.Absent("CRITICAL"), []string{`want no "CRITICAL"`, "> #11"}},
		{"count", ms.Count("SSE EVENT*", 2), nil},
		{"count fails", ms.Count("SSE EVENT*", 3), []string{"want 3", "found 2", "#7", "#8"}},
		{"within", ms.Within("SSE STREAM START", "STREAM CLOSING", 200*time.Millisecond), nil},
		{"within fails", ms.Within("SSE STREAM START", "STREAM CLOSING", 20*time.Millisecond), []string{"took 40ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantErr == nil {
				if tc.err != nil {
					t.Fatalf("unexpected failure: %v", tc.err)
				}
				return
			}
			if tc.err == nil {
				t.Fatal("assertion passed, want failure")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(tc.err.Error(), w) {
					t.Errorf("failure lacks %q:\n%v", w, tc.err)
				}
			}
		})
	}
}

func TestServerTimelineFromMarkers(t *testing.T) {
	tls := seedFailedFlow(t).ServerTimelines(ServerStreamMarkers{})
	if len(tls) != 1 {
		t.Fatalf("timelines = %d, want 1", len(tls))
	}
	// The seed's bug, as an assertion: closed by the server after 2 events
	// and well under a second.
	ExpectStream(tls[0]).AfterEvents(2).Within(200 * time.Millisecond).Assert(t)
	if !strings.Contains(string(tls[0].Reason), "Processing complete") {
		t.Errorf("reason = %q", tls[0].Reason)
	}
	if err := ExpectStream(tls[0]).LivedAtLeast(time.Second).Check(); err == nil {
		t.Error("LivedAtLeast(1s) passed for a 30 ms stream")
	}
}
