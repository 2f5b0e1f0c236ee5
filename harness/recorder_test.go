package harness

import (
	"context"
	"fmt"
	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// recordSession records harnesstest.RunSession against up.
func recordSession(t *testing.T, up *harnesstest.Server) *Cassette {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := RecordSession(ctx, up.URL, &RecorderOptions{Upstream: "go-sdk test server", Version: "test"}, harnesstest.RunSession)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRecordGoSDKSession(t *testing.T) {
	up := harnesstest.Start(t, nil)
	c := recordSession(t, up)
	path := filepath.Join(t.TempDir(), "session.yaml")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, s := range up.Issued() {
		if strings.Contains(string(data), s) {
			t.Errorf("secret %s... reached the cassette", s[:6])
		}
	}
	v, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
	if err != nil {
		t.Fatalf("go-vcr cassette.Load: %v", err)
	}
	if len(v.Interactions) != len(c.Interactions) {
		t.Errorf("go-vcr sees %d interactions, want %d", len(v.Interactions), len(c.Interactions))
	}
	var sawListen, sawDCR, sawToken bool
	for _, in := range c.Interactions {
		switch {
		case in.Request.Method == "GET" && in.Request.URL == c.Provenance.Origin+"/mcp" && in.Response.Code == 200:
			sawListen = true
			if len(in.Stream.DataEvents()) == 0 {
				t.Errorf("listen stream recorded no events:\n%s", in.Stream)
			}
		case strings.HasSuffix(in.Request.URL, "/register"):
			sawDCR = true
		case strings.HasSuffix(in.Request.URL, "/token"):
			sawToken = true
		}
	}
	if !sawListen || !sawDCR || !sawToken {
		t.Errorf("listen=%v dcr=%v token=%v, want all recorded", sawListen, sawDCR, sawToken)
	}
	if c.Provenance.Client != "harness-recorded-client/0.1.0" || c.Provenance.Server != "harness-test-server/1.0.0" {
		t.Errorf("provenance = %+v", c.Provenance)
	}
	if testing.Verbose() {
		t.Logf("%s", data)
	}
}

// TestRecorderForwardsEventsAsFlushed shows that recording does not change
// timing: the upstream writes one event, flushes, and then blocks until the
// client has read that event through the recorder. If the recorder buffered
// until the end of the stream, the client would never see it and the test
// would hit its deadline.
func TestRecorderForwardsEventsAsFlushed(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "id: 1\ndata: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "id: 2\ndata: second\n\n")
	}))
	defer up.Close()
	rec, err := NewRecorder(up.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sse := NewSSEReader(resp.Body)
	first, err := sse.Next()
	if err != nil {
		t.Fatalf("first event: %v (the recorder held it back)", err)
	}
	if first.Data != "first" {
		t.Fatalf("first event data = %q, want first", first.Data)
	}
	close(release) // only now may the stream end
	second, err := sse.Next()
	if err != nil || second.Data != "second" {
		t.Fatalf("second event = %+v, %v", second, err)
	}
	if _, err := sse.Next(); err != io.EOF {
		t.Fatalf("after second: %v, want EOF", err)
	}
	rec.Close()
	c := rec.Cassette()
	tl := c.Interactions[0].Stream
	ExpectStream(tl).ClosedBy(EndServerEOF).AfterEvents(2).Assert(t)
	if tl.Events[0].At > tl.Events[1].At {
		t.Errorf("event offsets out of order:\n%s", tl)
	}
}

// TestRecorderConcurrentStreamsOverHTTPS keeps a stream open on an https
// upstream while other requests complete, then ends it from the client.
func TestRecorderConcurrentStreamsOverHTTPS(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": open\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer up.Close()
	rec, err := NewRecorder(up.URL, &RecorderOptions{Transport: up.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/mcp", nil)
	listen, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSSEReader(listen.Body).Next(); err != nil {
		t.Fatalf("listen stream: %v", err)
	}
	for i := range 3 {
		body := fmt.Sprintf(`{"n":%d}`, i)
		resp, err := http.Post(front.URL+"/mcp", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != body {
			t.Errorf("POST %d echoed %q, want %q", i, got, body)
		}
	}
	cancel()
	listen.Body.Close()
	waitIdle(t, rec)
	rec.Close()
	c := rec.Cassette()
	if len(c.Interactions) != 4 {
		t.Fatalf("interactions = %d, want 4", len(c.Interactions))
	}
	tl := c.Interactions[0].Stream
	if c.Interactions[0].Request.Method != "GET" {
		t.Fatalf("first interaction = %s, want the GET", c.Interactions[0].Request.Method)
	}
	ExpectStream(tl).ClosedBy(EndClientCancel).AtLeastComments(1).Assert(t)
	for _, in := range c.Interactions[1:] {
		if in.Stream.Opened > tl.Opened+tl.Closed {
			t.Errorf("POST opened at %s, after the listen stream closed at %s: not concurrent", ms(in.Stream.Opened), ms(tl.Opened+tl.Closed))
		}
	}
}

func waitIdle(t *testing.T, rec *Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}
