package harness

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// resumableServer is a minimal streaming server with random event ids: a
// GET /events stream sends two events and stays open; a GET with
// Last-Event-ID must name an id it really sent (else 400) and gets one
// more event; a chunked JSON discovery document names its own URL.
type resumableServer struct {
	*httptest.Server
	mu  sync.Mutex
	ids map[string]bool
}

func startResumableServer(t *testing.T) *resumableServer {
	t.Helper()
	s := &resumableServer{ids: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/doc":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"self":"`+s.URL+`/events",`)
			w.(http.Flusher).Flush() // chunked: no Content-Length
			io.WriteString(w, `"n":1}`)
			return
		case "/events":
		default:
			http.NotFound(w, r)
			return
		}
		if last := r.Header.Get("Last-Event-ID"); last != "" {
			s.mu.Lock()
			ok := s.ids[last]
			s.mu.Unlock()
			if !ok {
				http.Error(w, "unknown Last-Event-ID", http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		n := 2
		if r.Header.Get("Last-Event-ID") != "" {
			n = 1
		}
		for i := range n {
			id := rand.Text()
			s.mu.Lock()
			s.ids[id] = true
			s.mu.Unlock()
			data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/message", "params": map[string]any{"n": i}})
			fmt.Fprintf(w, ": keepalive\n\nid: %s\ndata: %s\n\n", id, data)
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}))
	t.Cleanup(s.Close)
	return s
}

// readEvents reads n data events from a GET of url, then cancels the
// request (the client ends the stream); it returns the last id.
func readEvents(t *testing.T, url, lastEventID string, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	sr := NewSSEReader(resp.Body)
	var last string
	for got := 0; got < n; {
		e, err := sr.Next()
		if err != nil {
			t.Fatalf("after %d events: %v", got, err)
		}
		if !e.IsComment {
			got, last = got+1, e.ID
		}
	}
	return last
}

// TestReplayResumesWithLiveEventIDs records a client that reads two events,
// drops the stream, and resumes with Last-Event-ID; the replay against a
// fresh server (other random ids) must send the live id, and cancel the
// recorded client-ended streams after the recorded events.
func TestReplayResumesWithLiveEventIDs(t *testing.T) {
	up := startResumableServer(t)
	rec, err := NewRecorder(up.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()

	resp, err := http.Get(front.URL + "/.well-known/doc")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(doc), front.URL+"/events") {
		t.Errorf("chunked discovery document not rewritten to the recorder: %s", doc)
	}
	last := readEvents(t, front.URL+"/events", "", 2)
	readEvents(t, front.URL+"/events", last, 1)
	waitIdle(t, rec)
	rec.Close()
	c := rec.Cassette()
	if got := c.Interactions[2].Request.Headers.Get("Last-Event-ID"); got != "__EVENT_ID_2__" {
		t.Fatalf("recorded Last-Event-ID = %q, want __EVENT_ID_2__", got)
	}
	ExpectStream(c.Interactions[1].Stream).ClosedBy(EndClientCancel).AfterEvents(2).AtLeastComments(2).Assert(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Replay(ctx, c, startResumableServer(t).URL, &ReplayOptions{TimeScale: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b)
	if !rep.OK() || len(rep.Differences()) > 0 {
		t.Fatalf("replay differs:\n%s", b.String())
	}
	for _, i := range []int{1, 2} {
		ExpectStream(rep.Results[i].Timeline).ClosedBy(EndClientCancel).Assert(t)
	}
}

// TestRecorderRecordsReset: the upstream breaks the connection mid-stream.
func TestRecorderRecordsReset(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer up.Close()
	rec, err := NewRecorder(up.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()
	resp, err := http.Get(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	waitIdle(t, rec)
	rec.Close()
	tl := rec.Cassette().Interactions[0].Stream
	ExpectStream(tl).ClosedBy(EndReset).AfterEvents(1).Assert(t)
}

// TestReplayWaitsForAnOpenStreamsHeaders checks both sides of the header
// rule in waitTurn. The recorded client opened a listen stream (headers at
// once), then sent /notify, during which an event arrived on the stream.
//   - "notify": the live server opens the stream a moment late and answers
//     /notify with 500 unless the stream is open: /notify must wait for the
//     stream's headers.
//   - "held headers": the live server opens the stream only once /notify
//     has arrived (a tunnel holding headers, in effect): /notify waits
//     HeaderWait, then goes, and the session does not deadlock.
func TestReplayWaitsForAnOpenStreamsHeaders(t *testing.T) {
	for _, tc := range []struct {
		name      string
		heldUntil string // "timer": 30ms after the GET; "notify": until /notify arrives
	}{
		{"notify waits", "timer"},
		{"held headers hold the session at most HeaderWait", "notify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var listening bool
			notifyArrived := make(chan struct{})
			notified := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/mcp":
					ready := notifyArrived
					if tc.heldUntil == "timer" {
						// Long after /notify's recorded time: only
						// waiting for the headers keeps /notify behind.
						c := make(chan struct{})
						time.AfterFunc(30*time.Millisecond, func() { close(c) })
						ready = c
					}
					select {
					case <-ready:
					case <-r.Context().Done():
						return
					}
					w.Header().Set("Content-Type", "text/event-stream")
					mu.Lock()
					listening = true
					mu.Unlock()
					w.WriteHeader(http.StatusOK)
					w.(http.Flusher).Flush()
					select {
					case <-notified:
						io.WriteString(w, "data: {\"n\":1}\n\n")
					case <-r.Context().Done():
					}
				case "/notify":
					mu.Lock()
					ok := listening
					mu.Unlock()
					if tc.heldUntil == "notify" {
						close(notifyArrived)
						ok = true // the test is whether we got here at all
					}
					close(notified)
					if !ok {
						http.Error(w, "no listener", http.StatusInternalServerError)
						return
					}
					io.WriteString(w, "ok")
				}
			}))
			defer srv.Close()

			ms := time.Millisecond
			in := func(method, path string, code int, ctype, body string, tl Timeline) *Interaction {
				x := &Interaction{Stream: tl}
				x.Request = cassette.Request{Method: method, URL: "http://recorded" + path}
				x.Response = cassette.Response{Code: code, Headers: http.Header{"Content-Type": {ctype}}, Body: body}
				return x
			}
			c := &Cassette{Provenance: Provenance{Origin: "http://recorded"}, Interactions: []*Interaction{
				in("GET", "/mcp", 200, "text/event-stream", "data: {\"n\":1}\n\n",
					Timeline{Opened: 0, Headers: 1 * ms, Events: []StreamEvent{{At: 12 * ms}}, Closed: 20 * ms, Reason: EndServerEOF}),
				in("POST", "/notify", 200, "text/plain; charset=utf-8", "ok", Timeline{Opened: 10 * ms, Headers: 1 * ms, Closed: 4 * ms, Reason: EndServerEOF}),
			}}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := &ReplayOptions{Grace: 10 * time.Second, HeaderWait: 5 * time.Second}
			if tc.heldUntil == "notify" {
				opts.HeaderWait = 50 * time.Millisecond
			}
			rep, err := Replay(ctx, c, srv.URL, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || len(rep.Differences()) > 0 {
				var b strings.Builder
				rep.WriteText(&b)
				t.Fatalf("replay differs:\n%s", b.String())
			}
			listenHeaders := rep.Results[0].Started + rep.Results[0].Timeline.Headers
			notify := rep.Results[1].Started
			switch tc.heldUntil {
			case "timer":
				if notify < listenHeaders {
					t.Errorf("/notify started at %s, before the stream's headers at %s", notify, listenHeaders)
				}
			case "notify":
				if notify >= listenHeaders {
					t.Errorf("/notify started at %s, after the stream's headers at %s: they were held until it came", notify, listenHeaders)
				}
			}
		})
	}
}
