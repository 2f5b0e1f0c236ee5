package harness

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

func TestCassetteRoundTripAndGoVCRLoad(t *testing.T) {
	c := &Cassette{Provenance: Provenance{Client: "test/1", Recorded: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Origin: "http://127.0.0.1:1"}}
	in := &Interaction{}
	in.Request = cassette.Request{Method: "POST", URL: "http://127.0.0.1:1/mcp", Headers: http.Header{"Mcp-Session-Id": {"__SESSION_ID_1__"}}, Body: `{"jsonrpc":"2.0"}`}
	in.Response = cassette.Response{Code: 200, Status: "200 OK", Headers: http.Header{"Content-Type": {"text/event-stream"}}, Body: "id: __EVENT_ID_1__\ndata: {}\n\n"}
	in.Stream = Timeline{Opened: 1500 * time.Microsecond, Headers: 2 * time.Millisecond, Events: []StreamEvent{{At: 3 * time.Millisecond, ID: "__EVENT_ID_1__"}}, Closed: 4 * time.Millisecond, Reason: EndServerEOF}
	c.Interactions = append(c.Interactions, in)

	path := filepath.Join(t.TempDir(), "session")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	v, err := cassette.Load(path)
	if err != nil {
		t.Fatalf("go-vcr cassette.Load: %v", err)
	}
	if len(v.Interactions) != 1 || v.Interactions[0].Response.Body != in.Response.Body || v.Interactions[0].Request.Headers.Get("Mcp-Session-Id") != "__SESSION_ID_1__" {
		t.Fatalf("go-vcr loaded %+v", v.Interactions)
	}
	got, err := LoadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	tl := got.Interactions[0].Stream
	if tl.Opened != in.Stream.Opened || tl.Events[0].At != 3*time.Millisecond || tl.Reason != EndServerEOF {
		t.Errorf("timeline = %+v, want %+v", tl, in.Stream)
	}
	if got.Provenance.Client != "test/1" {
		t.Errorf("provenance = %+v", got.Provenance)
	}
	if _, err := LoadCassette(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadCassette(missing) = nil error")
	}
	data, _ := c.Marshal()
	if !strings.HasPrefix(string(data), "# mcpvcr cassette") {
		t.Errorf("file does not open with provenance:\n%s", data)
	}
}
